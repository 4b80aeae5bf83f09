package io.github.revnet.core.distributed;

import io.github.revnet.bridge.NativeScope;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A SHA-256 of tensors' names and values, in order: equal for two models exactly when (up to a collision) they hold
 * the same weights bit for bit. Values are widened to float64 first, which is exact for every dtype the harness uses,
 * so the hash does not depend on the tensors' memory layout.
 */
public final class WeightHash {
    private WeightHash() {
    }

    /** The hash of {@code tensors}, as 64 hex digits. */
    public static String of(Map<String, Tensor> tensors) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        try (NativeScope scope = NativeScope.open()) {
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                sha.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                Tensor c = e.getValue().detach().contiguous().to(torch.ScalarType.Double);
                double[] values = new double[(int) c.numel()];
                c.data_ptr_double().get(values);
                ByteBuffer bytes = ByteBuffer.allocate(8 * values.length);
                bytes.asDoubleBuffer().put(values);
                sha.update(bytes);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The first 16 hex digits as a number: what {@link ProcessGroup#gather(long)} carries between ranks. */
    public static long prefix(String hash) {
        return Long.parseUnsignedLong(hash.substring(0, 16), 16);
    }
}
