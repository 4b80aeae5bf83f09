package io.github.revnet.cli;

import io.github.revnet.core.Device;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The --device option of the commands that build a model (a picocli mixin): CPU unless the user chooses CUDA. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "cpu", converter = Parse.class, completionCandidates = Labels.class,
            description = "where the model and its inputs live: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Device device = Device.CPU;

    /** The chosen device, refused with the reason when this build or machine cannot compute on it. */
    Device available() {
        return device.requireAvailable();
    }

    /** As {@link #available}, for a command that runs on the CPU only: CUDA is refused naming the command. */
    Device cpuOnly(String command) {
        available();
        if (device != Device.CPU) {
            throw new IllegalArgumentException(command + " runs on the CPU only; --device " + device.label() + " is supported by check");
        }
        return device;
    }

    static final class Parse implements ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            return Device.parse(value);
        }
    }

    static final class Labels implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Device.values()).map(Device::label).iterator();
        }
    }
}
