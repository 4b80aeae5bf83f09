package io.github.revnet.core.distributed;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.ReplicaSum;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * A torch.distributed process group on LibTorch's own c10d: a {@code TCPStore} rendezvous hosted by rank 0 and the Gloo
 * backend, as {@code torch.distributed.init_process_group("gloo", init_method="env://")} builds it. What data-parallel
 * training needs of it: the parameters broadcast from rank 0, and the gradients averaged over the ranks.
 */
public final class ProcessGroup implements AutoCloseable {
    private final LaunchEnvironment env;
    private final ProcessGroupGloo gloo;

    private ProcessGroup(LaunchEnvironment env, ProcessGroupGloo gloo) {
        this.env = env;
        this.gloo = gloo;
    }

    /**
     * Joins the job {@code env} describes; every rank must call it, and it returns once all have. A rank that does not
     * arrive within {@code timeout}, or a port that rank 0 cannot listen on, ends it with an exception naming them.
     */
    public static ProcessGroup join(LaunchEnvironment env, Duration timeout) {
        Torch.ensureLoaded();
        TCPStoreOptions options = new TCPStoreOptions();
        options.port((short) env.masterPort());
        options.isServer(env.rank() == 0);
        options.waitWorkers(false);
        options.timeout(new Milliseconds(timeout.toMillis()));
        TCPStore store;
        try {
            store = new TCPStore(env.masterAddress(), options);
            // The store belongs to LibTorch from here on: ProcessGroupGloo takes it as an intrusive_ptr, which the presets
            // build by reclaiming this pointer, so the group's last reference frees it. Deleting it from Java as well freed
            // it twice, and a later reference-count decrement landed in reused memory (a class name read back as
            // "col/fasterxml/...").
            store.deallocate(false);
        } catch (RuntimeException e) {
            throw new IllegalStateException("rank " + env.rank() + ": the rendezvous store at " + env.masterAddress() + ":" + env.masterPort()
                    + (env.rank() == 0 ? " could not be hosted (is the port in use?)" : " could not be reached within " + timeout.toSeconds()
                    + " s") + ": " + e.getMessage(), e);
        }
        ProcessGroupGloo.Options gloo = ProcessGroupGloo.Options.create(new Milliseconds(timeout.toMillis()));
        gloo.devices(new GlooDeviceVector(device(env)));
        try {
            return new ProcessGroup(env, new ProcessGroupGloo(store, env.rank(), env.worldSize(), gloo));
        } catch (RuntimeException e) {
            throw new IllegalStateException("rank " + env.rank() + " of " + env.worldSize() + ": not every rank joined within "
                    + timeout.toSeconds() + " s: " + e.getMessage(), e);
        }
    }

    /**
     * The device Gloo binds on this machine. {@code GLOO_SOCKET_IFNAME} (PyTorch's variable, the same meaning) names an
     * interface; otherwise loopback when the whole job is local, else the address this host reaches {@code MASTER_ADDR}
     * from. The route's address, not the host's name: on a machine with several interfaces, in a container or a network
     * namespace, the name may resolve to an address the peers cannot reach or this namespace does not have.
     */
    private static org.bytedeco.pytorch.gloo.Device device(LaunchEnvironment env) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            try {
                return ProcessGroupGloo.createDeviceForInterface(ifname.trim());
            } catch (RuntimeException e) {
                throw new IllegalStateException("rank " + env.rank() + ": GLOO_SOCKET_IFNAME=" + ifname + " names no usable interface: "
                        + e.getMessage(), e);
            }
        }
        return ProcessGroupGloo.createDeviceForHostname(bindAddress(env));
    }

    /** The address of the interface this host sends to {@code MASTER_ADDR} through (loopback for a local job). */
    static String bindAddress(LaunchEnvironment env) {
        String master = env.masterAddress();
        if (master.equals("localhost") || master.startsWith("127.")) {
            return "127.0.0.1";
        }
        // Connecting a datagram socket sends nothing: it asks the kernel for the route, whose source address is ours.
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket()) {
            probe.connect(java.net.InetAddress.getByName(master), env.masterPort());
            java.net.InetAddress local = probe.getLocalAddress();
            if (local != null && !local.isAnyLocalAddress()) {
                return local.getHostAddress();
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("rank " + env.rank() + ": no route from this host to MASTER_ADDR=" + master + ": "
                    + e.getMessage(), e);
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("rank " + env.rank() + ": this host's name does not resolve: " + e.getMessage(), e);
        }
    }

    public int rank() {
        return env.rank();
    }

    public int size() {
        return env.worldSize();
    }

    /** Sums {@code t} over the ranks, in place, and waits for it. */
    public void allreduceSum(Tensor t) {
        await("an allreduce", () -> gloo.allreduce(new TensorVector(t)));
    }

    /** This group as the replicas a layer sums over (synchronised batch normalisation): {@link #allreduceSum}. */
    public ReplicaSum replicaSum() {
        return ReplicaSum.of(rank(), size(), this::allreduceSum);
    }

    /** Every rank's {@code value}, indexed by rank: one allreduce of a vector that holds each rank's value in its own slot. */
    public java.util.List<Long> gather(long value) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor slots = torch.zeros(new long[] {size()}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long));
            slots.narrow(0, rank(), 1).fill_(new Scalar(value));
            allreduceSum(slots);
            long[] values = new long[size()];
            slots.contiguous().data_ptr_long().get(values);
            return java.util.Arrays.stream(values).boxed().toList();
        }
    }

    /** Overwrites {@code t} with rank 0's, in place, and waits for it. */
    public void broadcastFromRankZero(Tensor t) {
        await("a broadcast", () -> gloo.broadcast(new TensorVector(t)));
    }

    /**
     * Starts summing {@code t} over the ranks, in place, and returns at once: the sum is there once the returned collective
     * has been awaited, and {@code t} must not be touched before.
     */
    public Collective startAllreduceSum(Tensor t) {
        try {
            return new Collective(gloo.allreduce(new TensorVector(t)));
        } catch (RuntimeException e) {
            throw incomplete("an allreduce", e);
        }
    }

    /** A collective under way. */
    public final class Collective {
        private final Work work;

        private Collective(Work work) {
            // Started inside a backward, whose scopes close block by block: the handle must outlive them until awaited.
            work.retainReference();
            this.work = work;
        }

        /** Waits for it; one that fails (Gloo's timeout: a rank died or stalls) is named as such. */
        public void await() {
            try {
                ProcessGroup.this.await("an allreduce", () -> work);
            } finally {
                work.releaseReference();
            }
        }
    }

    /** Starts a collective and waits for it; one that fails (Gloo's timeout: a rank died or stalls) is named as such. */
    private void await(String what, java.util.function.Supplier<Work> start) {
        try {
            start.get()._wait();
        } catch (RuntimeException e) {
            throw incomplete(what, e);
        }
    }

    private PeerFailure incomplete(String what, RuntimeException e) {
        String cause = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        return new PeerFailure("rank " + rank() + " of " + size() + ": " + what + " did not complete, so another rank died or"
                + " stalls: " + withoutSourceLocation(cause), e);
    }

    /**
     * Gloo's message without the source file it starts with ("[../gloo/transport/tcp/pair.cc:534] "), keeping the peer
     * it names ("Read error [192.0.2.2]:20102: Connection reset by peer").
     */
    static String withoutSourceLocation(String message) {
        return message.replaceFirst("^\\[[^\\]]*\\.(?:cc|cpp|c|h|hpp):\\d+\\]\\s*", "").trim();
    }

    /** Every tensor set to rank 0's values: the parameters and buffers at the start of training. */
    public void broadcastFromRankZero(Map<String, Tensor> tensors) {
        for (Tensor t : tensors.values()) {
            broadcastFromRankZero(t);
        }
    }

    /**
     * Every parameter's gradient replaced by its mean over the ranks, all in one bucket: flattened into one tensor, summed
     * by one allreduce, divided by the rank count and copied back. A parameter without a gradient is named: averaging
     * over it silently would leave its ranks apart.
     */
    public void averageGradients(Map<String, Tensor> parameters) {
        List<String> missing = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        parameters.forEach((name, p) -> {
            Tensor g = p.grad();
            if (g == null || !g.defined()) {
                missing.add(name);
            } else {
                grads.add(g);
            }
        });
        if (!missing.isEmpty()) {
            throw new IllegalStateException("rank " + rank() + ": no gradient reached " + missing + " before the allreduce");
        }
        try (NativeScope scope = NativeScope.open()) {
            TensorVector flat = new TensorVector();
            for (Tensor g : grads) {
                flat.push_back(g.reshape(-1));
            }
            Tensor bucket = torch.cat(flat);
            allreduceSum(bucket);
            bucket.div_(new Scalar(size()));
            long offset = 0;
            for (Tensor g : grads) {
                long n = g.numel();
                g.copy_(bucket.narrow(0, offset, n).view_as(g));
                offset += n;
            }
        }
    }

    @Override
    public void close() {
        gloo.close();
    }
}
