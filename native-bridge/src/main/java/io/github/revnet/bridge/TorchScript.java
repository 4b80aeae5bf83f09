package io.github.revnet.bridge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_buffer_iterator;
import org.bytedeco.pytorch.named_buffer_list;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;

/**
 * TorchScript modules (saved by Python's {@code torch.jit.script(m).save(path)} or by
 * {@link JitModule#save}): loading with Java errors instead of LibTorch's, their tensors by name,
 * and a forward with one tensor in and one out.
 */
public final class TorchScript {
    private TorchScript() {
    }

    /** Loads {@code file}; IllegalArgumentException naming the file when it is missing, unreadable or not TorchScript. */
    public static JitModule load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("TorchScript file " + file + " does not exist or is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("TorchScript file " + file + " is not readable");
        }
        Torch.ensureLoaded();
        try {
            return torch.load(file.toString());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("TorchScript file " + file + " could not be loaded (is it a file saved by torch.jit.script(...)"
                    + ".save()?): " + firstLine(e), e);
        }
    }

    /** The module's parameters (recursively), by dotted name. The tensors are the module's own. */
    public static Map<String, Tensor> parameters(JitModule module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        named_parameter_list list = module.named_parameters(true);
        for (named_parameter_iterator it = list.begin(); it.notEquals(list.end()); it.increment()) {
            NamedTensor named = it.access();
            out.put(named.name().getString(), new Tensor(named.value())); // copy: a reference into the iterator's item
        }
        return out;
    }

    /** The module's buffers (recursively), by dotted name. The tensors are the module's own. */
    public static Map<String, Tensor> buffers(JitModule module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        named_buffer_list list = module.named_buffers(true);
        for (named_buffer_iterator it = list.begin(); it.notEquals(list.end()); it.increment()) {
            NamedTensor named = it.access();
            out.put(named.name().getString(), new Tensor(named.value()));
        }
        return out;
    }

    /**
     * {@code module.forward(input)}, which must return one tensor. LibTorch's errors (a shape the
     * module does not accept, a wrong dtype) become IllegalArgumentException with the first line of its message.
     */
    public static Tensor forward(JitModule module, Tensor input, String what) {
        IValue result;
        try (NativeScope scope = NativeScope.open()) {
            try {
                result = module.forward(new IValueVector(new IValue(input)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(what + " failed on an input of shape " + java.util.Arrays.toString(Shapes.of(input)) + ": "
                        + firstLine(e), e);
            }
            if (!result.isTensor()) {
                throw new IllegalArgumentException(what + " must return one tensor, got " + result.tagKind().getString());
            }
            return scope.keep(new Tensor(result.toTensor())); // copy: toTensor() is a reference into the IValue
        }
    }

    /** The line of LibTorch's message that says what went wrong: TorchScript puts it last ("RuntimeError: ..."), after a traceback. */
    private static String firstLine(RuntimeException e) {
        List<String> lines = String.valueOf(e.getMessage()).strip().lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).matches("^\\w*(Error|Exception): .*")) {
                return lines.get(i);
            }
        }
        return lines.isEmpty() ? "(no message)" : lines.get(0);
    }
}
