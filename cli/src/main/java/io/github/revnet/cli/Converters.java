package io.github.revnet.cli;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.InputLayout;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli's typed options for the harness's own types: each parses the command line's label (a bad
 * value's message names it and the choices) and lists the labels for --help and shell completion.
 */
final class Converters {
    private Converters() {
    }

    /** A type known on the command line by labels: its parser and its values' labels. */
    abstract static class Labelled<T> implements ITypeConverter<T>, Iterable<String> {
        private final Function<String, T> parse;
        private final List<String> labels;

        Labelled(Function<String, T> parse, List<String> labels) {
            this.parse = parse;
            this.labels = labels;
        }

        @Override
        public T convert(String value) {
            try {
                return parse.apply(value.strip());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }

        @Override
        public Iterator<String> iterator() {
            return labels.iterator();
        }
    }

    static final class DTypes extends Labelled<DType> {
        DTypes() {
            super(DType::parse, List.of(DType.values()).stream().map(DType::label).toList());
        }
    }

    static final class KernelChoices extends Labelled<io.github.revnet.core.kernels.Kernels> {
        KernelChoices() {
            super(io.github.revnet.core.kernels.Kernels::parse,
                    List.of(io.github.revnet.core.kernels.Kernels.values()).stream().map(io.github.revnet.core.kernels.Kernels::label).toList());
        }
    }

    static final class KernelFaults extends Labelled<io.github.revnet.core.kernels.KernelFault> {
        KernelFaults() {
            super(io.github.revnet.core.kernels.KernelFault::parse,
                    List.of(io.github.revnet.core.kernels.KernelFault.values()).stream().map(io.github.revnet.core.kernels.KernelFault::label).toList());
        }
    }

    static final class Modes extends Labelled<Mode> {
        Modes() {
            super(Mode::parse, List.of(Mode.values()).stream().map(Mode::label).toList());
        }
    }

    static final class Precisions extends Labelled<Precision> {
        Precisions() {
            super(Precision::parse, List.of(Precision.values()).stream().map(Precision::label).toList());
        }
    }

    static final class Couplings extends Labelled<Coupling> {
        Couplings() {
            super(Coupling::parse, List.of(Coupling.ADDITIVE.label(), Coupling.AFFINE.label()));
        }
    }

    static final class Layouts extends Labelled<InputLayout> {
        Layouts() {
            super(ScriptedBlockCheck::parseLayout, List.of(InputLayout.values()).stream().map(l -> l.name().toLowerCase(Locale.ROOT)).toList());
        }
    }
}
