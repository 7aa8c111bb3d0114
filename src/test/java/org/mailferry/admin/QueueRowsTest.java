package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.queue.FileSpool;
import org.mailferry.queue.Spool;
import org.mailferry.testing.FilledSpool;
import org.mailferry.testing.MutableClock;

/**
 * The queue table's rows are read from the spool once, then kept: a query reads only the envelopes
 * an event or action named, the whole spool is read again only every RECONCILE (in the background)
 * and after IDLE; each query's answer is one page, whatever the queue's size.
 */
class QueueRowsTest {
    @TempDir
    Path dir;

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /** The real file spool, counting the calls the rows make to it. */
    private Spool counting(Spool real) {
        return (Spool) Proxy.newProxyInstance(Spool.class.getClassLoader(), new Class<?>[] {Spool.class},
                (proxy, m, args) -> {
                    calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private int count(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    private static QueueQuery query(String params) {
        Map<String, String> p = new java.util.LinkedHashMap<>();
        for (String kv : params.split("&")) {
            if (!kv.isEmpty()) {
                p.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return QueueQuery.parse(p);
    }

    @Test
    void theSpoolIsReadOnceThenOnlyTheChangedMessagesAndAgainInTheBackgroundOrAfterIdle() throws Exception {
        Instant start = Instant.parse("2026-12-05T12:00:00Z");
        MutableClock clock = new MutableClock(start);
        List<QueueId> ids = FilledSpool.fill(dir.resolve("spool"), 2_000, start.plusSeconds(3600));
        FileSpool files = new FileSpool(dir.resolve("spool"), clock);
        List<Runnable> background = new ArrayList<>();
        QueueRows rows = new QueueRows(counting(files), clock, background::add);

        QueueRows.Page first = rows.page(query("limit=50"));
        assertThat(first.total()).isEqualTo(2_000);
        assertThat(first.matched()).isEqualTo(2_000);
        assertThat(first.rows()).hasSize(50);
        assertThat(count("forEach")).isEqualTo(1);

        // more queries, other filters and orders: no reading of the spool
        QueueRows.Page page = rows.page(query("sort=id&order=desc&offset=1950&limit=100"));
        assertThat(page.rows()).hasSize(50);
        assertThat(page.rows().getFirst().id()).isEqualTo(ids.get(49).value()); // ids grow: the 50th smallest
        assertThat(page.rows().getLast().id()).isEqualTo(ids.getFirst().value());
        QueueRows.Page one = rows.page(query("recipient=USER1999@example.net"));
        assertThat(one.matched()).isEqualTo(1);
        assertThat(one.rows().getFirst().id()).isEqualTo(ids.get(1999).value());
        assertThat(rows.page(query("sender=app@&state=deferred&limit=500")).rows()).hasSize(500);
        assertThat(count("forEach")).isEqualTo(1);
        assertThat(count("load")).isZero();

        // a hold (an action) and a removal (an event): those two envelopes are read, nothing else
        files.update(files.load(ids.get(7)).withHeld(true));
        files.remove(ids.get(8));
        rows.changed(ids.get(7));
        rows.changed(ids.get(8));
        QueueRows.Page held = rows.page(query("state=held"));
        assertThat(held.rows()).extracting(QueueRows.Row::id).containsExactly(ids.get(7).value());
        assertThat(held.total()).isEqualTo(1_999);
        assertThat(count("load")).isEqualTo(2);
        assertThat(count("forEach")).isEqualTo(1);

        // a change no event told of (another node of a shared queue) is seen after RECONCILE, read in
        // the background: the query that starts it answers at once from the rows it has
        files.remove(ids.get(9));
        clock.advance(QueueRows.RECONCILE);
        assertThat(rows.page(query("limit=1")).total()).isEqualTo(1_999);
        assertThat(background).hasSize(1);
        assertThat(count("forEach")).isEqualTo(1);
        files.remove(ids.get(10)); // while the background reading runs: told by an event
        rows.changed(ids.get(10));
        background.removeFirst().run();
        assertThat(count("forEach")).isEqualTo(2);
        assertThat(rows.page(query("limit=1")).total()).isEqualTo(1_997);
        assertThat(background).isEmpty(); // not again before another RECONCILE

        // idle: the rows are dropped, the next query reads the spool again
        clock.advance(QueueRows.IDLE.minusSeconds(1));
        rows.dropIfIdle();
        rows.page(query("limit=1"));
        background.removeFirst().run();
        assertThat(count("forEach")).isEqualTo(3);
        clock.advance(QueueRows.IDLE.plusSeconds(1));
        rows.dropIfIdle();
        rows.changed(ids.get(11)); // no rows: nothing to note
        assertThat(rows.page(query("limit=1")).total()).isEqualTo(1_997);
        assertThat(count("forEach")).isEqualTo(4);
        assertThat(count("load")).isEqualTo(3); // 7, 8 and 10, each once
    }

    @Test
    void anEventNeverWaitsForAReadingAndWhatItNamedIsReadAfterIt() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
        List<QueueId> ids = FilledSpool.fill(dir.resolve("spool"), 50, clock.instant().plusSeconds(3600));
        FileSpool files = new FileSpool(dir.resolve("spool"), clock);
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch goOn = new java.util.concurrent.CountDownLatch(1);
        Spool slow = (Spool) Proxy.newProxyInstance(Spool.class.getClassLoader(), new Class<?>[] {Spool.class},
                (proxy, m, args) -> {
                    calls.computeIfAbsent(m.getName(), k -> new AtomicInteger()).incrementAndGet();
                    Object result;
                    try {
                        result = m.invoke(files, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (m.getName().equals("forEach")) { // every envelope read; the reading not over yet
                        reading.countDown();
                        goOn.await();
                    }
                    return result;
                });
        QueueRows rows = new QueueRows(slow, clock, Runnable::run);
        java.util.concurrent.CompletableFuture<QueueRows.Page> first = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return rows.page(query("state=held"));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        reading.await();
        // a message is held after the reading read it; the event telling of it comes while the query
        // holds the rows' lock: it returns at once, and the query reads that message again
        files.update(files.load(ids.get(3)).withHeld(true));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> rows.changed(ids.get(3)));
        goOn.countDown();
        assertThat(first.get(10, java.util.concurrent.TimeUnit.SECONDS).rows()).extracting(QueueRows.Row::id)
                .containsExactly(ids.get(3).value());
        assertThat(count("load")).isEqualTo(1);
    }

    @Test
    void aTextFilterIgnoresCaseWithoutCopying() {
        assertThat(QueueQuery.contains("User17@Example.NET", "user17@example.net")).isTrue();
        assertThat(QueueQuery.contains("User17@Example.NET", "17@ex")).isTrue();
        assertThat(QueueQuery.contains("a@b", "a@bc")).isFalse();
        assertThat(QueueQuery.contains("", "")).isTrue();
    }

    @Test
    void theDescendingOrderIsTheAscendingReversed() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
        FilledSpool.fill(dir.resolve("spool"), 30, clock.instant().plus(Duration.ofHours(1)));
        QueueRows rows = new QueueRows(new FileSpool(dir.resolve("spool"), clock), clock, Runnable::run);
        List<String> up = rows.page(query("sort=sender&limit=30")).rows().stream().map(QueueRows.Row::id).toList();
        List<String> down = rows.page(query("sort=sender&order=desc&limit=30")).rows().stream()
                .map(QueueRows.Row::id).toList();
        assertThat(down).isEqualTo(up.reversed());
        assertThat(up).isSorted(); // one sender: the ids decide
    }
}
