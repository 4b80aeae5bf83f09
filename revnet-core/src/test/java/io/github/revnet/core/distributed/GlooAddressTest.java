package io.github.revnet.core.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which address Gloo binds, and what of Gloo's error a rank repeats (the two-namespace run tests them over a network). */
class GlooAddressTest {
    @Test
    void aLocalJobBindsLoopback() {
        assertEquals("127.0.0.1", ProcessGroup.bindAddress(new LaunchEnvironment(1, 2, 1, "127.0.0.1", 29500)));
        assertEquals("127.0.0.1", ProcessGroup.bindAddress(new LaunchEnvironment(1, 2, 1, "localhost", 29500)));
    }

    @Test
    void aJobOverANetworkBindsTheAddressItsRouteToTheMasterLeavesFrom() throws Exception {
        // The route to one of this host's own addresses leaves from that address (Linux sends it through lo).
        String own = null;
        for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (var a : java.util.Collections.list(nif.getInetAddresses())) {
                if (nif.isUp() && !a.isLoopbackAddress() && a instanceof java.net.Inet4Address) {
                    own = a.getHostAddress();
                }
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(own != null, "this host has no IPv4 address but loopback");
        assertEquals(own, ProcessGroup.bindAddress(new LaunchEnvironment(1, 2, 1, own, 29500)));
    }

    @Test
    void glooSourceLocationIsDroppedAndThePeerKept() {
        assertEquals("Read error [192.0.2.2]:20102: Connection reset by peer",
                ProcessGroup.withoutSourceLocation("[../third_party/gloo/gloo/transport/tcp/pair.cc:534] Read error [192.0.2.2]:20102: Connection reset by peer"));
        assertEquals("Timed out waiting 20000ms for recv operation to complete",
                ProcessGroup.withoutSourceLocation("[/pytorch/third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:81] Timed out waiting 20000ms for recv operation to complete"));
        assertEquals("Connection closed by peer [fe80::1]:4000", ProcessGroup.withoutSourceLocation("Connection closed by peer [fe80::1]:4000"));
    }
}
