package io.github.revnet.core.distributed;

/**
 * A collective that did not complete because another rank died or stalls: a fault of the job, not a bug of
 * this rank, so the command line reports it as such rather than as an internal error.
 */
public final class PeerFailure extends IllegalStateException {
    public PeerFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
