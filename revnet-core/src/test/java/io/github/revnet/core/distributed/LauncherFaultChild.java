package io.github.revnet.core.distributed;

/** A worker for {@link LocalLauncherTest}: rank 1 fails at once, every other rank would run for a minute. */
public final class LauncherFaultChild {
    private LauncherFaultChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        System.out.println("rank " + env.rank() + " started");
        if (env.rank() == 1) {
            System.out.println("rank 1 gives up");
            System.exit(3);
        }
        Thread.sleep(60_000);
    }
}
