package io.github.revnet.core.kernels;

import java.util.List;

/**
 * What the audit found for one kernel on one route: per output it computes (the forward and each gradient), the worst
 * element's error against float64 divided by the bound a correct kernel keeps ({@link RoundingBound}); a ratio above 1
 * means the kernel is wrong. Non-finite and run-to-run differences fail on their own.
 *
 * @param kernel the kernel, e.g. "3x3 conv 24->24, 16x16, batch 4"
 * @param route how it ran, e.g. "oneDNN, contiguous"
 */
public record KernelVerdict(String kernel, KernelDType dtype, String route, List<Output> outputs, boolean deterministic, String notRun) {
    /** A route the audit does not run, since running it is known to corrupt the process ({@link KnownDefects}). */
    public static KernelVerdict notRun(String kernel, KernelDType dtype, String route, String why) {
        return new KernelVerdict(kernel, dtype, route, List.of(), true, why);
    }

    public KernelVerdict(String kernel, KernelDType dtype, String route, List<Output> outputs, boolean deterministic) {
        this(kernel, dtype, route, outputs, deterministic, null);
    }

    /** One computed tensor: its worst error over its bound, and whether every element was finite. */
    public record Output(String name, double errorOverBound, double worstError, double bound, boolean finite) {
        public boolean pass() {
            return finite && errorOverBound <= 1;
        }
    }

    public KernelVerdict {
        outputs = List.copyOf(outputs);
    }

    public boolean pass() {
        return notRun == null && deterministic && outputs.stream().allMatch(Output::pass);
    }

    /** The largest error over bound of any output (NaN when one was not finite). */
    public double worstRatio() {
        if (notRun != null) {
            return Double.NaN;
        }
        double worst = 0;
        for (Output o : outputs) {
            if (!o.finite()) {
                return Double.NaN;
            }
            worst = Math.max(worst, o.errorOverBound());
        }
        return worst;
    }

    /** E.g. "forward 4.4e+04x its rounding bound, input gradient NaN" for what failed; "right" when nothing did. */
    public String findings() {
        if (notRun != null) {
            return "not run: " + notRun;
        }
        StringBuilder s = new StringBuilder();
        for (Output o : outputs) {
            if (!o.pass()) {
                if (!s.isEmpty()) {
                    s.append(", ");
                }
                s.append(o.name()).append(o.finite()
                        ? String.format(" off by %.2g relative (%.3g times its rounding bound %.2g)", o.worstError(), o.errorOverBound(), o.bound())
                        : " not finite");
            }
        }
        if (!deterministic) {
            s.append(s.isEmpty() ? "" : ", ").append("two runs on the same input differ");
        }
        return s.isEmpty() ? "right" : s.toString();
    }
}
