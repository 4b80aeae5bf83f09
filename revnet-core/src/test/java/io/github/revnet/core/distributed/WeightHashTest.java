package io.github.revnet.core.distributed;

import io.github.revnet.bridge.NativeScope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class WeightHashTest {
    @Test
    void equalWeightsHashAlikeAndOneUlpOrOneNameApartDoNot() {
        try (NativeScope scope = NativeScope.open()) {
            torch.manual_seed(3);
            Tensor w = torch.randn(4, 5);
            Tensor b = torch.randn(5);
            Map<String, Tensor> model = new LinkedHashMap<>(Map.of("w", w));
            model.put("b", b);
            String hash = WeightHash.of(model);
            assertEquals(64, hash.length());
            Map<String, Tensor> copy = new LinkedHashMap<>(Map.of("w", w.clone()));
            copy.put("b", b.clone());
            assertEquals(hash, WeightHash.of(copy), "a copy of the same weights");
            Map<String, Tensor> transposedLayout = new LinkedHashMap<>(Map.of("w", w.t().contiguous().t()));
            transposedLayout.put("b", b);
            assertEquals(hash, WeightHash.of(transposedLayout), "the same values in another memory layout");
            Tensor nudged = w.clone();
            float[] v = new float[20];
            nudged.contiguous().data_ptr_float().get(v);
            nudged.view(-1).narrow(0, 7, 1).fill_(new org.bytedeco.pytorch.Scalar(Math.nextUp(v[7])));
            copy.put("w", nudged);
            assertNotEquals(hash, WeightHash.of(copy), "one value one ulp apart");
            Map<String, Tensor> renamed = new LinkedHashMap<>(Map.of("w2", w));
            renamed.put("b", b);
            assertNotEquals(hash, WeightHash.of(renamed), "the same values under another name");
        }
    }
}
