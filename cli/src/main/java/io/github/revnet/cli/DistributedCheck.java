package io.github.revnet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.distributed.DistributedGradientCheck;
import io.github.revnet.core.distributed.LocalLauncher;
import io.github.revnet.core.models.ModelSpec;
import io.github.revnet.core.reversible.Coupling;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code check --nproc N}: N local ranks each take one data-parallel step per mode, and every rank's averaged gradients
 * are compared with the single-process reference. PASS when every rank is within the tolerance in every mode and all
 * ranks hold the same parameters.
 */
final class DistributedCheck {
    private final String model;
    private final DType dtype;
    private final Precision precision;
    private final int batch;
    private final Integer imageSize;
    private final long seed;
    private final Coupling coupling;
    private final double dropout;
    private final int timeoutSeconds;
    private final List<Mode> modes;
    private final int nproc;
    private final double tolerance;
    private final boolean syncBatchNorm;

    DistributedCheck(String model, DType dtype, Precision precision, int batch, Integer imageSize, long seed, Coupling coupling, double dropout,
            int timeoutSeconds, List<Mode> modes, int nproc, double tolerance, boolean syncBatchNorm) {
        this.model = model;
        this.dtype = dtype;
        this.precision = precision;
        this.batch = batch;
        this.imageSize = imageSize;
        this.seed = seed;
        this.coupling = coupling;
        this.dropout = dropout;
        this.timeoutSeconds = timeoutSeconds;
        this.modes = modes;
        this.nproc = nproc;
        this.tolerance = tolerance;
        this.syncBatchNorm = syncBatchNorm;
    }

    /** A mode's verdict over the ranks: each rank's worst relative error, the worst of them and the tensor it was in. */
    record ModeResult(String mode, double maxRelativeError, String worstParameter, List<Double> perRank, Double runningStatsMaxAbsDiff,
            boolean pass) {
    }

    record Verdict(String model, String dtype, String precision, int nproc, int batchPerRank, int imageSize, long seed, double dropout,
            String coupling, boolean syncBatchNorm, double tolerance, List<ModeResult> modes, List<String> parameterChecksums, boolean sameParameters,
            boolean pass) {
    }

    int run(Path json) throws IOException, InterruptedException {
        ModelSpec spec = ModelSpec.resolve(model);
        if (!spec.reversible()) {
            throw new IllegalArgumentException(model + " has no reversible blocks to check: pick a revnet-* or revvit-*");
        }
        int size = imageSize != null ? imageSize : spec.defaultImageSize();
        Banner.print();
        System.out.printf("%s on %d ranks (Gloo, loopback), batch %d per rank, %dx%d, %s, precision %s, dropout %s, modes %s, tolerance %.1e%n",
                model, nproc, batch, size, size, dtype.label(), precision.label(), dropout, modes, tolerance);
        System.out.println(syncBatchNorm ? "batch norm synchronised over the ranks; reference: one process on the global batch of "
                + batch * nproc + ", stored mode" : "batch norm per rank; reference: the mean of each shard's stored-mode gradients");
        long start = System.nanoTime();
        LocalLauncher.Job job;
        try {
            job = LocalLauncher.run(DistributedCheckWorker.class, DistributedCheckWorker.arguments(model, dtype, precision, batch, size, seed,
                    coupling, dropout, timeoutSeconds, modes, syncBatchNorm), nproc, Duration.ofSeconds(10L * timeoutSeconds), line -> {
                        if (!line.contains(DistributedCheckWorker.PREFIX) && !line.contains("NNPACK")) {
                            System.out.println(line);
                        }
                    });
        } catch (LocalLauncher.WorkerFailure e) {
            System.out.println("FAIL: " + e.getMessage());
            return 1;
        }
        ObjectMapper mapper = new ObjectMapper();
        List<List<DistributedGradientCheck.Outcome>> byRank = new ArrayList<>();
        for (List<String> lines : job.lines()) {
            List<DistributedGradientCheck.Outcome> outcomes = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith(DistributedCheckWorker.PREFIX)) {
                    outcomes.add(mapper.readValue(line.substring(DistributedCheckWorker.PREFIX.length()), DistributedGradientCheck.Outcome.class));
                }
            }
            if (outcomes.size() != modes.size()) {
                throw new IllegalStateException("a rank reported " + outcomes.size() + " of " + modes.size() + " modes: " + lines);
            }
            byRank.add(outcomes);
        }
        List<ModeResult> results = new ArrayList<>();
        boolean pass = true;
        System.out.printf("%-12s %-28s %-22s %s%n", "mode", "max relative error [rank]", syncBatchNorm ? "running stats diff" : "",
                "worst tensor");
        for (int m = 0; m < modes.size(); m++) {
            List<Double> perRank = new ArrayList<>();
            double worst = 0;
            String worstName = null;
            int worstRank = 0;
            Double stats = null;
            for (int r = 0; r < nproc; r++) {
                DistributedGradientCheck.Outcome o = byRank.get(r).get(m);
                perRank.add(o.maxRelativeError());
                if (o.runningStatsMaxAbsDiff() != null) {
                    double d = o.runningStatsMaxAbsDiff();
                    stats = stats == null || !(d <= stats) ? d : stats;
                }
                if (!(o.maxRelativeError() <= worst)) {
                    worst = o.maxRelativeError();
                    worstName = o.worstParameter();
                    worstRank = r;
                }
            }
            boolean ok = worst <= tolerance && (stats == null || stats <= tolerance);
            pass &= ok;
            results.add(new ModeResult(modes.get(m).label(), worst, worstName, perRank, stats, ok));
            System.out.printf("%-12s %-28s %-22s %s%s%n", modes.get(m).label(), String.format("%.3e [%d]", worst, worstRank),
                    stats == null ? "" : String.format("%.3e", stats), worstName == null ? "-" : worstName, ok ? "" : "  FAIL");
        }
        List<String> checksums = byRank.stream().map(o -> o.get(o.size() - 1).parameterChecksum()).toList();
        boolean same = checksums.stream().distinct().count() == 1;
        pass &= same;
        System.out.println("weight hashes per rank (SHA-256)  " + checksums.stream().map(h -> h.substring(0, 16)).toList()
                + (same ? "" : "  FAIL: the ranks hold different weights"));
        System.out.printf("%s in %.1fs%n", pass ? "PASS" : "FAIL", (System.nanoTime() - start) / 1e9);
        if (json != null) {
            Json.write(json, new Verdict(model, dtype.label(), precision.label(), nproc, batch, size, seed, dropout, coupling.label(),
                    syncBatchNorm, tolerance,
                    results, checksums, same, pass));
            System.out.println("wrote " + json);
        }
        return pass ? 0 : 1;
    }
}
