package io.github.revnet.core.kernels;

import io.github.revnet.bridge.ReferenceKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.pytorch.Tensor;

/**
 * Routing for a TorchScript function's kernels, which run inside the script where no per-call route reaches: the whole
 * function gets one route. Its kernels are read from its parameters (a 4-D weight {@code [out, in / groups, k, k]} is a
 * convolution with stride 1 and padding k / 2 over the function's input size, depthwise when {@code in / groups} is 1;
 * a 2-D weight {@code [out, in]} over a token input is a linear layer) and audited as the harness's own are. The function
 * then keeps its input's layout if every kernel is right on it, else gets its input in the other layout if every kernel
 * is right there, else runs with oneDNN switched off for the rest of the process ({@link ReferenceKernels}, the one
 * switch that reaches inside a script). A kernel right on no route raises {@link KernelDefect}.
 */
public final class ScriptedRouting {
    private record Key(String function, List<Long> shape, KernelDType dtype, Layout given) {
    }

    private static final Map<Key, ConvRoute> ROUTES = new ConcurrentHashMap<>();
    private static volatile ReferenceKernels processWide;

    private ScriptedRouting() {
    }

    /** The convolutions a function with these weights runs on an input of {@code shape} (rank 4), as far as they can be read. */
    public static List<ConvShape> convolutions(List<Tensor> weights, long[] shape) {
        List<ConvShape> shapes = new ArrayList<>();
        if (shape.length != 4) {
            return shapes;
        }
        for (Tensor w : weights) {
            if (w.dim() == 4 && w.size(2) == w.size(3)) {
                long out = w.size(0);
                int groups = w.size(1) == 1 && out > 1 ? (int) out : 1;
                long in = w.size(1) * groups;
                int k = (int) w.size(2);
                try {
                    shapes.add(new ConvShape(shape[0], in, out, k, 1, k / 2, groups, shape[2], shape[3]));
                } catch (IllegalArgumentException unreadable) {
                    // not a convolution over this input: nothing to audit
                }
            }
        }
        return shapes;
    }

    /**
     * {@code input} in the layout the function called {@code function} (with {@code weights}) must run on to compute
     * right on this CPU; audits its kernels the first time it sees this shape, dtype and layout.
     */
    public static Tensor prepare(String function, List<Tensor> weights, Tensor input) {
        KernelDType dtype = KernelRouting.effectiveDType(input);
        if (dtype == null || input.is_cuda()) {
            return input;
        }
        long[] shape = io.github.revnet.bridge.Shapes.of(input);
        Layout given = input.dim() == 4 ? Layout.of(input, input) : Layout.CONTIGUOUS;
        ConvRoute route = ROUTES.computeIfAbsent(new Key(function, Arrays.stream(shape).boxed().toList(), dtype, given),
                k -> decide(function, weights, shape, dtype, given));
        return switch (route) {
            case CONTIGUOUS, CHANNELS_LAST -> route.layout() == given ? input : input.contiguous(route.layout().format());
            case REFERENCE -> input;
        };
    }

    private static ConvRoute decide(String function, List<Tensor> weights, long[] shape, KernelDType dtype, Layout given) {
        if (shape.length == 3) {
            for (Tensor w : weights) {
                if (w.dim() == 2 && w.size(1) == shape[2]) {
                    KernelRouting.requireLinear(shape[0] * shape[1], w.size(1), w.size(0), dtype);
                }
            }
            return ConvRoute.of(given);
        }
        List<ConvShape> convs = convolutions(weights, shape);
        for (Layout layout : List.of(given, given.other())) {
            if (convs.stream().allMatch(c -> KernelRouting.decide(c, dtype, layout).asGiven())) {
                return ConvRoute.of(layout);
            }
        }
        for (ConvShape c : convs) {
            KernelRouting.Decision d = KernelRouting.decide(c, dtype, given);
            if (!d.right()) {
                throw new KernelDefect(function + ": " + KernelRouting.refusal(d));
            }
        }
        switchOneDnnOff(function, KernelRouting.decide(convs.get(0), dtype, given).defect());
        return ConvRoute.REFERENCE;
    }

    private static synchronized void switchOneDnnOff(String function, String why) {
        if (processWide == null) {
            processWide = ReferenceKernels.hold();
            KernelRouting.forget();
            System.err.println("revnet: oneDNN is off for the rest of this process, since " + function + "'s convolutions run inside"
                    + " TorchScript and are right on neither layout: " + why);
        }
    }

    /** Forgets every function's route (with {@link KernelRouting#forget}). */
    static void forget() {
        ROUTES.clear();
    }
}
