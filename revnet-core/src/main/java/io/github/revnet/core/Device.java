package io.github.revnet.core;

import io.github.revnet.bridge.CudaDevices;
import io.github.revnet.bridge.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Where a model's parameters and its inputs live: the CPU unless the user chooses CUDA. */
public enum Device {
    CPU, CUDA;

    /** The name on the command line and in reports: "cpu" or "cuda". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The device called {@code name}. */
    public static Device parse(String name) {
        for (Device d : values()) {
            if (d.label().equalsIgnoreCase(String.valueOf(name).trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "': use cpu or cuda");
    }

    /** The device {@code t} lives on. */
    public static Device of(Tensor t) {
        return t.is_cuda() ? CUDA : CPU;
    }

    /**
     * This device, if this build's LibTorch and this machine can compute on it; otherwise an
     * IllegalArgumentException that says why (CUDA needs the CUDA LibTorch build and a GPU).
     */
    public Device requireAvailable() {
        if (this == CUDA && !Torch.cudaAvailable()) {
            CudaDevices.Facts facts = CudaDevices.query();
            throw new IllegalArgumentException("device cuda is not available here: " + (facts.available()
                    ? "this build bundles the CPU LibTorch (build with -Pgpu for the CUDA one)"
                    : facts.problem()) + "; use --device cpu");
        }
        return this;
    }

    /** LibTorch's device object for this device. */
    public org.bytedeco.pytorch.Device torchDevice() {
        return new org.bytedeco.pytorch.Device(this == CUDA ? torch.DeviceType.CUDA : torch.DeviceType.CPU);
    }
}
