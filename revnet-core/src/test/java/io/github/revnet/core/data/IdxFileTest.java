package io.github.revnet.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir
    Path dir;

    private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path file = dir.resolve(name + (gzip ? ".gz" : ""));
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
        return file;
    }

    private static void fails(String fragment, Path file) {
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(file));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void readsPlainAndGzippedFiles() throws IOException {
        byte[] pixels = {1, 2, 3, 4, 5, 6, 7, 8};
        for (boolean gzip : new boolean[] {false, true}) {
            IdxFile f = IdxFile.read(write("ok" + gzip, idx(0x00000803, new int[] {2, 2, 2}, pixels), gzip));
            assertArrayEquals(new int[] {2, 2, 2}, f.dims());
            assertArrayEquals(pixels, f.data());
        }
    }

    @Test
    void truncatedForeignOversizedAndMissingFilesAreNamed() throws IOException {
        fails("truncated", write("short", idx(0x00000803, new int[] {2, 2, 2}, new byte[5]), true));
        fails("not an unsigned-byte IDX file", write("foreign", idx(0x89504e47, new int[] {1}, new byte[1]), false));
        fails("not an unsigned-byte IDX file", write("floats", idx(0x00000d01, new int[] {1}, new byte[4]), false));
        fails("longer than its header", write("long", idx(0x00000801, new int[] {2}, new byte[3]), false));
        fails("too short", write("empty", new byte[2], false));
        fails("no such file", dir.resolve("absent"));
    }

    @Test
    void splitsAreValidatedAgainstEachOther() throws IOException {
        byte[] image = new byte[28 * 28];
        write("train-images-idx3-ubyte", idx(0x00000803, new int[] {1, 28, 28}, image), true);
        write("train-labels-idx1-ubyte", idx(0x00000801, new int[] {1}, new byte[] {12}), true);
        IOException badLabel = assertThrows(IOException.class, () -> FashionMnist.split(dir, "train"));
        assertTrue(badLabel.getMessage().contains("label 12"), badLabel.getMessage());
        write("train-labels-idx1-ubyte", idx(0x00000801, new int[] {2}, new byte[] {1, 2}), true);
        IOException count = assertThrows(IOException.class, () -> FashionMnist.split(dir, "train"));
        assertTrue(count.getMessage().contains("2 labels for 1 images"), count.getMessage());
        write("train-images-idx3-ubyte", idx(0x00000803, new int[] {1, 27, 29}, new byte[27 * 29]), true);
        IOException shape = assertThrows(IOException.class, () -> FashionMnist.split(dir, "train"));
        assertTrue(shape.getMessage().contains("28 × 28"), shape.getMessage());
    }
}
