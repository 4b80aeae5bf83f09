package io.github.revnet.cli;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.InputLayout;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli's typed options for the harness's own types: each converter parses the command line's
 * label (the message of a bad value names it and the choices), each candidate list gives the
 * labels for --help and shell completion.
 */
final class Converters {
    private Converters() {
    }

    private static <T> T convert(String value, Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class DTypes implements ITypeConverter<DType>, Iterable<String> {
        @Override
        public DType convert(String value) {
            return Converters.convert(value, DType::parse);
        }

        @Override
        public Iterator<String> iterator() {
            return Stream.of(DType.values()).map(DType::label).iterator();
        }
    }

    static final class Modes implements ITypeConverter<Mode>, Iterable<String> {
        @Override
        public Mode convert(String value) {
            return Converters.convert(value.strip(), Mode::parse);
        }

        @Override
        public Iterator<String> iterator() {
            return Stream.of(Mode.values()).map(Mode::label).iterator();
        }
    }

    static final class Couplings implements ITypeConverter<Coupling>, Iterable<String> {
        @Override
        public Coupling convert(String value) {
            return Converters.convert(value, Coupling::parse);
        }

        @Override
        public Iterator<String> iterator() {
            return List.of(Coupling.ADDITIVE, Coupling.AFFINE).stream().map(Coupling::label).iterator();
        }
    }

    static final class Layouts implements ITypeConverter<InputLayout>, Iterable<String> {
        @Override
        public InputLayout convert(String value) {
            return Converters.convert(value, ScriptedBlockCheck::parseLayout);
        }

        @Override
        public Iterator<String> iterator() {
            return Stream.of(InputLayout.values()).map(l -> l.name().toLowerCase(java.util.Locale.ROOT)).iterator();
        }
    }
}
