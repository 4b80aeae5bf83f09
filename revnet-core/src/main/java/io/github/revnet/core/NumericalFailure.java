package io.github.revnet.core;

/**
 * A computation produced what it must not (a non-finite inverse, a diverged loss): not bad input,
 * so the command line exits 3 for it, not 2.
 */
public class NumericalFailure extends ArithmeticException {
    public NumericalFailure(String message) {
        super(message);
    }
}
