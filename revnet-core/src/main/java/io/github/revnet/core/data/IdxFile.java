package io.github.revnet.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes (the MNIST family's format), gzip-compressed or not: magic
 * 0x00 0x00 0x08 n, then n big-endian int32 sizes, then the data.
 */
public record IdxFile(int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    /** Reads and validates {@code file}; a truncated, oversized or foreign file is an IOException naming the file and the problem. */
    public static IdxFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file (install Debian's dataset-fashion-mnist, or pass --data DIR)");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            try (DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw) : raw)) {
                return parse(file, in);
            } catch (java.util.zip.ZipException e) {
                throw new IOException(file + ": corrupt gzip stream: " + e.getMessage(), e);
            }
        }
    }

    private static IdxFile parse(Path file, DataInputStream in) throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IOException(file + ": too short for an IDX header", e);
        }
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UNSIGNED_BYTE) {
            throw new IOException(String.format("%s: not an unsigned-byte IDX file (magic 0x%08x, expected 0x000008NN)", file, magic));
        }
        int rank = magic & 0xff;
        if (rank < 1 || rank > 4) {
            throw new IOException(file + ": IDX rank " + rank + " is not supported (1 to 4)");
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readInt();
            if (dims[i] < 0) {
                throw new IOException(file + ": negative size " + dims[i] + " in dimension " + i);
            }
            total *= dims[i];
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": " + total + " elements do not fit in memory here");
        }
        byte[] data = new byte[(int) total];
        try {
            in.readFully(data);
        } catch (EOFException e) {
            throw new IOException(file + ": truncated: header " + Arrays.toString(dims) + " promises " + total + " bytes of data", e);
        }
        if (in.read() != -1) {
            throw new IOException(file + ": longer than its header " + Arrays.toString(dims) + " says");
        }
        return new IdxFile(dims, data);
    }
}
