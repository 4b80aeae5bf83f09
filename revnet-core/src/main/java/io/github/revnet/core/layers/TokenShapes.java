package io.github.revnet.core.layers;

import io.github.revnet.core.reversible.StreamLayout;
import java.util.Arrays;

/** Shape checks shared by the token layers. */
final class TokenShapes {
    private TokenShapes() {
    }

    /** Throws IllegalArgumentException unless {@code s} is (batch, tokens, width) with no empty dimension. */
    static void require(String what, long[] s, int width) {
        StreamLayout.TOKENS.check(what, s);
        if (s[2] != width) {
            throw new IllegalArgumentException(what + " expects " + width + " features per token, got " + s[2] + " (shape "
                    + Arrays.toString(s) + ")");
        }
    }
}
