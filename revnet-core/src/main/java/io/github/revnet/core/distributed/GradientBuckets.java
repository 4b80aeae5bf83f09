package io.github.revnet.core.distributed;

import io.github.revnet.bridge.NativeScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch;

/**
 * Gradient averaging that overlaps the backward, as DistributedDataParallel's reducer does: the parameters are packed into
 * buckets of about {@code capBytes}, in reverse order (the order a backward finishes them), and each parameter carries a
 * gradient hook. When the hook has fired for every parameter of a bucket, that bucket's allreduce starts at once, while
 * the backward goes on with earlier blocks (in reversible mode, the recomputation of their F and G). {@link #finish} waits
 * for the buckets and writes the averages into the parameters' gradients.
 *
 * <p>It works in any mode because it listens to the parameters, not to the backward's structure: whether autograd's
 * engine or the reversible backward's own walk (which accumulates a block's parameter gradients in a backward of its
 * own) delivered a gradient, the hook sees it. It also enforces what the reversible libraries break under
 * DistributedDataParallel: each parameter's gradient arrives exactly once per step (a second arrival is an error naming
 * the parameter, "mark a variable ready only once"), and a parameter that received none is named at {@link #finish}.
 */
public final class GradientBuckets implements AutoCloseable {
    /** DistributedDataParallel's first bucket is 1 MiB; here every bucket is, so a small model still has several. */
    public static final long DEFAULT_CAP_BYTES = 1L << 20;

    private final ProcessGroup group;
    private final List<Bucket> buckets = new ArrayList<>();
    private final List<Tensor> hooked = new ArrayList<>();
    private final List<Integer> handles = new ArrayList<>();
    private final List<VoidTensorHook> hooks = new ArrayList<>();
    private RuntimeException failure;

    /** What one step's averaging cost: buckets, the time {@link #finish} waited on them (the communication not hidden). */
    public record Timing(int buckets, double exposedSeconds) {
    }

    private static final class Bucket {
        final List<String> names = new ArrayList<>();
        final List<Tensor> parameters = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>();
        final boolean[] arrived;
        int pending;
        Tensor flat;
        ProcessGroup.Collective collective;

        Bucket(List<String> names, List<Tensor> parameters, List<Long> offsets) {
            this.names.addAll(names);
            this.parameters.addAll(parameters);
            this.offsets.addAll(offsets);
            this.arrived = new boolean[parameters.size()];
            this.pending = parameters.size();
        }
    }

    /** Hooks every parameter of {@code parameters} (in their registration order) for averaging over {@code group}. */
    public GradientBuckets(ProcessGroup group, Map<String, Tensor> parameters, long capBytes) {
        if (capBytes < 1) {
            throw new IllegalArgumentException("a bucket's cap must be >= 1 byte, got " + capBytes);
        }
        this.group = group;
        List<Map.Entry<String, Tensor>> reversed = new ArrayList<>(new LinkedHashMap<>(parameters).entrySet());
        Collections.reverse(reversed);
        try (NativeScope scope = NativeScope.open()) {
            List<String> names = new ArrayList<>();
            List<Tensor> members = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            long bytes = 0;
            long elements = 0;
            for (Map.Entry<String, Tensor> e : reversed) {
                Tensor p = e.getValue();
                if (!members.isEmpty() && bytes + p.nbytes() > capBytes) {
                    close(names, members, offsets, elements);
                    bytes = 0;
                    elements = 0;
                }
                names.add(e.getKey());
                members.add(p);
                offsets.add(elements);
                bytes += p.nbytes();
                elements += p.numel();
            }
            if (!members.isEmpty()) {
                close(names, members, offsets, elements);
            }
        }
        for (int b = 0; b < buckets.size(); b++) {
            for (int k = 0; k < buckets.get(b).parameters.size(); k++) {
                hook(b, k);
            }
        }
    }

    private void close(List<String> names, List<Tensor> members, List<Long> offsets, long elements) {
        Bucket bucket = new Bucket(names, members, offsets);
        bucket.flat = NativeScope.current().adopt(torch.zeros(new long[] {elements}, members.get(0).options()));
        buckets.add(bucket);
        names.clear();
        members.clear();
        offsets.clear();
    }

    private void hook(int b, int k) {
        Bucket bucket = buckets.get(b);
        Tensor p = bucket.parameters.get(k);
        VoidTensorHook hook = new VoidTensorHook() {
            @Override
            public void call(TensorBase gradient) {
                try {
                    arrived(bucket, k, gradient);
                } catch (RuntimeException e) {
                    // Native code sees only the message; finish() rethrows the exception itself.
                    failure = e;
                    throw e;
                }
            }
        };
        hooks.add(hook);
        hooked.add(p);
        handles.add(p.register_hook(hook));
    }

    /** A parameter's gradient for this step: into its bucket; the bucket's allreduce starts once it is complete. */
    private void arrived(Bucket bucket, int k, TensorBase gradient) {
        if (bucket.arrived[k]) {
            throw new IllegalStateException("rank " + group.rank() + ": a second gradient of " + bucket.names.get(k)
                    + " arrived in one step after its bucket was reduced (a parameter must be marked ready only once)");
        }
        bucket.arrived[k] = true;
        try (NativeScope scope = NativeScope.open()) {
            Tensor g = new Tensor(gradient);
            bucket.flat.narrow(0, bucket.offsets.get(k), g.numel()).copy_(g.reshape(-1));
        }
        if (--bucket.pending == 0) {
            bucket.collective = group.startAllreduceSum(bucket.flat);
        }
    }

    /**
     * After the backward: waits for every bucket's allreduce and sets each parameter's gradient to the average over the
     * ranks. A parameter no gradient reached is named, before any wait: the other ranks would otherwise wait on its bucket.
     */
    public Timing finish() {
        if (failure != null) {
            RuntimeException e = failure;
            failure = null;
            reset();
            throw e;
        }
        List<String> missing = new ArrayList<>();
        for (Bucket bucket : buckets) {
            for (int k = 0; k < bucket.arrived.length; k++) {
                if (!bucket.arrived[k]) {
                    missing.add(bucket.names.get(k));
                }
            }
        }
        if (!missing.isEmpty()) {
            reset();
            throw new IllegalStateException("rank " + group.rank() + ": no gradient reached " + missing + " in this step's backward");
        }
        long start = System.nanoTime();
        for (Bucket bucket : buckets) {
            bucket.collective.await();
        }
        double exposed = (System.nanoTime() - start) / 1e9;
        try (NativeScope scope = NativeScope.open()) {
            Scalar ranks = new Scalar(group.size());
            for (Bucket bucket : buckets) {
                bucket.flat.div_(ranks);
                for (int k = 0; k < bucket.parameters.size(); k++) {
                    Tensor p = bucket.parameters.get(k);
                    p.grad().copy_(bucket.flat.narrow(0, bucket.offsets.get(k), p.numel()).view_as(p));
                }
            }
        }
        reset();
        return new Timing(buckets.size(), exposed);
    }

    /** Runs {@code backward} with {@code parameters}' gradients averaged over {@code group} as it goes, in buckets of {@code capBytes}. */
    public static Timing averageDuring(ProcessGroup group, Map<String, Tensor> parameters, long capBytes, Runnable backward) {
        try (GradientBuckets buckets = new GradientBuckets(group, parameters, capBytes)) {
            backward.run();
            return buckets.finish();
        }
    }

    /** The bucket each parameter went to, by name, in bucket order: the order their allreduces start. */
    public List<List<String>> layout() {
        return buckets.stream().map(b -> List.copyOf(b.names)).toList();
    }

    private void reset() {
        for (Bucket bucket : buckets) {
            java.util.Arrays.fill(bucket.arrived, false);
            bucket.pending = bucket.arrived.length;
            bucket.collective = null;
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < hooked.size(); i++) {
            hooked.get(i).remove_hook(handles.get(i));
        }
        buckets.forEach(b -> NativeScope.release(b.flat));
        hooked.clear();
        handles.clear();
        hooks.clear();
    }
}
