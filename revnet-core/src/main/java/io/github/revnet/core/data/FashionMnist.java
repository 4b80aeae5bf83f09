package io.github.revnet.core.data;

import io.github.revnet.bridge.Tensors;
import io.github.revnet.core.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * Fashion-MNIST (60k/10k 28×28 grayscale images, 10 classes) from Debian's dataset-fashion-mnist
 * files. Batches come zero-padded to 32×32 and normalised with the training set's mean and
 * deviation, as 1-channel float32 tensors.
 */
public final class FashionMnist {
    /** Where Debian's dataset-fashion-mnist installs the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int CLASSES = 10;
    public static final int SIDE = 28;
    public static final int PADDED = 32;
    static final float MEAN = 0.2860f;
    static final float STD = 0.3530f;

    /** One split: images (n × 28 × 28 bytes) and labels. */
    public record Split(byte[] images, byte[] labels, int size) {
        /** A batch of the samples at {@code indices}: (B, 1, 32, 32) images of {@code dtype} and (B) int64 labels, in the caller's scope. */
        public Tensor[] batch(int[] indices, DType dtype) {
            int b = indices.length;
            float[] pixels = new float[b * PADDED * PADDED];
            long[] classes = new long[b];
            int offset = (PADDED - SIDE) / 2;
            float background = -MEAN / STD;
            Arrays.fill(pixels, background);
            for (int i = 0; i < b; i++) {
                int n = indices[i];
                if (n < 0 || n >= size) {
                    throw new IllegalArgumentException("sample index " + n + " outside [0, " + size + ")");
                }
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        float v = (images[(n * SIDE + y) * SIDE + x] & 0xff) / 255f;
                        pixels[(i * PADDED + y + offset) * PADDED + x + offset] = (v - MEAN) / STD;
                    }
                }
                classes[i] = labels[n];
            }
            Tensor x = Tensors.fromFloats(pixels, b, 1, PADDED, PADDED);
            if (dtype != DType.FLOAT32) {
                x = x.to(dtype.scalarType());
            }
            Tensor y = Tensors.fromLongs(classes, b);
            return new Tensor[] {x, y};
        }
    }

    private final Split train;
    private final Split test;

    private FashionMnist(Split train, Split test) {
        this.train = train;
        this.test = test;
    }

    /** Loads both splits from {@code dir} (the four IDX files, gzip-compressed or not). */
    public static FashionMnist load(Path dir) throws IOException {
        return new FashionMnist(split(dir, "train"), split(dir, "t10k"));
    }

    public static boolean isInstalled(Path dir) {
        return java.nio.file.Files.isRegularFile(file(dir, "train-images-idx3-ubyte"));
    }

    private static Path file(Path dir, String stem) {
        Path gz = dir.resolve(stem + ".gz");
        return java.nio.file.Files.exists(gz) ? gz : dir.resolve(stem);
    }

    static Split split(Path dir, String prefix) throws IOException {
        Path imagesFile = file(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = file(dir, prefix + "-labels-idx1-ubyte");
        IdxFile images = IdxFile.read(imagesFile);
        IdxFile labels = IdxFile.read(labelsFile);
        if (images.dims().length != 3 || images.dims()[1] != SIDE || images.dims()[2] != SIDE) {
            throw new IOException(imagesFile + ": expected n × 28 × 28 images, header says " + Arrays.toString(images.dims()));
        }
        if (labels.dims().length != 1) {
            throw new IOException(labelsFile + ": expected a 1-dimensional label file, header says " + Arrays.toString(labels.dims()));
        }
        if (labels.dims()[0] != images.dims()[0]) {
            throw new IOException(labelsFile + ": " + labels.dims()[0] + " labels for " + images.dims()[0] + " images in " + imagesFile);
        }
        for (int i = 0; i < labels.data().length; i++) {
            if ((labels.data()[i] & 0xff) >= CLASSES) {
                throw new IOException(labelsFile + ": label " + (labels.data()[i] & 0xff) + " at index " + i + " is not a class 0-9");
            }
        }
        return new Split(images.data(), labels.data(), images.dims()[0]);
    }

    public Split train() {
        return train;
    }

    public Split test() {
        return test;
    }
}
