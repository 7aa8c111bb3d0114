package org.mailferry.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.mailferry.message.QueueId;
import org.mailferry.queue.Disk;
import org.mailferry.queue.DurableFile;
import org.mailferry.queue.RouteCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPOOL/quotas: one node's route counters ({@link RouteCounters.State}), kept in memory and
 * written whole, one line per route,
 * through {@link DurableFile} (tmp, fsync, rename, directory sync) each time a message is counted
 * or a route paused, so a restart neither forgets the day's recipients nor gives a burst. A
 * damaged line is skipped with a log line (that route starts from zero); a file that cannot be
 * written is logged, and delivery goes on.
 * <pre>
 * route NAME next_slot MILLIS day_start MILLIS day_recipients N paused_until MILLIS reason TEXT
 * </pre>
 */
final class QuotaFile implements RouteCounters {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    private final Disk disk;
    private final Path file;
    private boolean failing;
    private final Map<String, State> routes;
    /** The slots reserved for waiting messages, per route: not kept across a restart. */
    private final Map<String, Map<QueueId, Long>> slots = new HashMap<>();
    /** The messages sent within the last period, per route, with when (in memory: a restart forgets them). */
    private final Map<String, Map<QueueId, Long>> sentLog = new HashMap<>();

    /** Reads the file once; from then on it is only written. */
    QuotaFile(Disk disk, Path spool) {
        this.disk = disk;
        this.file = spool.resolve("quotas");
        this.routes = load();
    }

    @Override
    public synchronized Counted change(String route, QueueId id, long nowMillis, long periodMillis,
                                       UnaryOperator<Counted> change) {
        Map<QueueId, Long> routeSlots = slots.computeIfAbsent(route, r -> new HashMap<>());
        Map<QueueId, Long> routeSent = sentLog.computeIfAbsent(route, r -> new HashMap<>());
        routeSent.values().removeIf(t -> t <= nowMillis - periodMillis);
        Long slot = id == null ? null : routeSlots.get(id);
        Counted before = new Counted(routes.getOrDefault(route, State.ZERO), slot == null ? 0 : slot,
                routeSent.size(), routeSent.values().stream().mapToLong(Long::longValue).min().orElse(0), false);
        Counted after = change.apply(before);
        if (id != null && after.slotMillis() != before.slotMillis()) {
            if (after.slotMillis() == 0) {
                routeSlots.remove(id);
            } else {
                routeSlots.put(id, after.slotMillis());
            }
        }
        if (id != null && after.sends()) {
            routeSent.put(id, nowMillis);
        }
        if (!after.route().equals(before.route())) {
            routes.put(route, after.route());
            write();
        }
        return after;
    }

    @Override
    public synchronized void sent(String route, QueueId id, long doneMillis) {
        Map<QueueId, Long> routeSent = sentLog.get(route);
        if (routeSent != null) {
            routeSent.computeIfPresent(id, (k, t) -> Math.max(t, doneMillis));
        }
    }

    @Override
    public synchronized void dropSlots(String route) {
        slots.remove(route);
    }

    @Override
    public synchronized Map<String, State> read() {
        return new LinkedHashMap<>(routes);
    }

    @Override
    public boolean shared() {
        return false;
    }

    private Map<String, State> load() {
        Map<String, State> out = new LinkedHashMap<>();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            log.warn("{}: cannot read the quota counters ({}); every route starts from zero", file, e.toString());
            return out;
        }
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ", 13);
            try {
                if (f.length < 12 || !f[0].equals("route") || !f[2].equals("next_slot") || !f[4].equals("day_start")
                        || !f[6].equals("day_recipients") || !f[8].equals("paused_until") || !f[10].equals("reason")) {
                    throw new NumberFormatException("not a route line");
                }
                out.put(f[1], new State(Long.parseLong(f[3]), Long.parseLong(f[5]), Long.parseLong(f[7]),
                        Long.parseLong(f[9]), f[11].equals("-") ? "" : f.length > 12 ? f[11] + " " + f[12] : f[11]));
            } catch (NumberFormatException e) {
                log.warn("{}:{}: damaged quota line skipped ({}); that route starts from zero", file, n,
                        e.getMessage());
            }
        }
        return out;
    }

    private void write() {
        StringBuilder sb = new StringBuilder("# mailferry route quota counters (docs/delivery.md, \"Quotas\")\n");
        routes.forEach((name, s) -> sb.append("route ").append(name).append(" next_slot ").append(s.nextSlotMillis())
                .append(" day_start ").append(s.dayStartMillis()).append(" day_recipients ").append(s.dayRecipients())
                .append(" paused_until ").append(s.pausedUntilMillis()).append(" reason ")
                .append(s.pauseReason().isEmpty() ? "-" : s.pauseReason().replaceAll("[\\r\\n]", " ")).append('\n'));
        try {
            DurableFile.write(disk, file.resolveSibling("quotas.tmp"), file,
                    sb.toString().getBytes(StandardCharsets.UTF_8), DurableFile.DirectorySync.NOW);
            if (failing) {
                log.info("{}: quota counters written again", file);
                failing = false;
            }
        } catch (IOException e) {
            if (!failing) {
                log.error("{}: cannot write the quota counters ({}); a restart now would forget them", file,
                        e.toString());
                failing = true;
            }
        }
    }
}
