package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class GroupSyncTest {
    private final SyncThreads threads = new SyncThreads();

    @Test
    void aChangeMadeBeforeAFailedSyncNeverSucceedsEvenIfALaterSyncDoes() throws IOException {
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger runs = new AtomicInteger();
        GroupSync sync = new GroupSync(() -> {
            runs.incrementAndGet();
            if (failing.get()) {
                throw new IOException("fdatasync: Input/output error");
            }
        }, threads);
        long before = sync.epoch(); // one change begins before the failure...
        long other = sync.epoch();
        assertThatThrownBy(() -> sync.await(other)).hasMessageContaining("Input/output error");
        failing.set(false);
        // ...and asks after it, when a sync would succeed: its pages may be the ones dropped
        assertThatThrownBy(() -> sync.await(before)).hasMessageContaining("Input/output error");
        assertThat(sync.failed()).isTrue();
        long after = sync.epoch(); // a change after the failure is judged by a later sync
        sync.await(after);
        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void anyThrowableEndsTheRoundWithAFailureAndTheNextRoundRuns() throws IOException {
        AtomicReference<Throwable> next = new AtomicReference<>(new IllegalStateException("bug in a sync"));
        GroupSync sync = new GroupSync(() -> {
            Throwable t = next.getAndSet(null);
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }, threads);
        assertThatThrownBy(() -> sync.await(sync.epoch())).isInstanceOf(IOException.class)
                .hasMessageContaining("bug in a sync");
        next.set(new StackOverflowError());
        assertThatThrownBy(() -> sync.await(sync.epoch())).isInstanceOf(IOException.class);
        sync.await(sync.epoch()); // not wedged
    }

    @Test
    void theLeaderSyncsOnItsOwnThreadAndOneSyncCoversEveryFollowerWhoCameMeanwhile() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicIntegerArray seenBySync = new java.util.concurrent.atomic.AtomicIntegerArray(3);
        java.util.concurrent.atomic.AtomicIntegerArray changes = new java.util.concurrent.atomic.AtomicIntegerArray(3);
        GroupSync sync = new GroupSync(() -> {
            ranOn.add(Thread.currentThread());
            for (int i = 0; i < 3; i++) { // what this sync makes durable
                if (changes.get(i) == 1) {
                    seenBySync.set(i, 1);
                }
            }
            if (ranOn.size() == 1) {
                firstRunning.countDown();
                hold(releaseFirst);
            }
        }, threads);
        AtomicReference<String> wrong = new AtomicReference<>();
        Thread leader = Thread.ofVirtual().start(() -> change(sync, changes, seenBySync, 0, wrong));
        assertThat(firstRunning.await(5, TimeUnit.SECONDS)).isTrue();
        // two changes while the leader's sync runs: it cannot cover them; the next one covers both
        Thread a = Thread.ofVirtual().start(() -> change(sync, changes, seenBySync, 1, wrong));
        Thread b = Thread.ofVirtual().start(() -> change(sync, changes, seenBySync, 2, wrong));
        awaitCallers(sync, 3);
        releaseFirst.countDown();
        for (Thread t : List.of(leader, a, b)) {
            t.join(5000);
            assertThat(t.isAlive()).as("a waiter wedged").isFalse();
        }
        assertThat(wrong.get()).isNull();
        assertThat(ranOn).hasSize(2);
        assertThat(ranOn.get(0)).as("the first sync, on its leader's own thread").isSameAs(leader);
        assertThat(ranOn.get(1)).as("the second, led by one of the followers").isIn(a, b);
    }

    /** Makes change {@code me}, awaits the sync, and checks a sync saw it before the return. */
    private static void change(GroupSync sync, java.util.concurrent.atomic.AtomicIntegerArray changes,
                               java.util.concurrent.atomic.AtomicIntegerArray seen, int me, AtomicReference<String> wrong) {
        long epoch = sync.epoch();
        changes.set(me, 1);
        try {
            sync.await(epoch);
            if (seen.get(me) != 1) {
                wrong.set("change " + me + " acknowledged before a sync saw it");
            }
        } catch (IOException e) {
            wrong.set(e.toString());
        }
    }

    /** A caller that finds no sync running, so leads the first one. */
    private static Thread lead(Thread.Builder thread, GroupSync sync) {
        return thread.start(() -> {
            try {
                sync.await(sync.epoch());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Blocks a sync until released; an interrupt there fails the sync, as it would a FileChannel's force. */
    private static void hold(CountDownLatch release) throws IOException {
        try {
            release.await();
        } catch (InterruptedException e) {
            throw new IOException("interrupted in a sync", e);
        }
    }

    private static void awaitCallers(GroupSync sync, long n) throws InterruptedException {
        for (int i = 0; i < 500 && sync.callers() < n; i++) {
            Thread.sleep(10); // polling for a state the test cannot be told of otherwise (not a timing bet)
        }
        assertThat(sync.callers()).isEqualTo(n);
    }

    @Test
    void aFailingSyncFailsEveryWaiterItCoveredWhicheverThreadLedIt() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        GroupSync sync = new GroupSync(() -> {
            int n = runs.incrementAndGet();
            if (n == 1) {
                firstRunning.countDown();
                hold(releaseFirst); // succeeds, for the first caller only
            } else if (n == 2) {
                throw new IOException("fdatasync: Input/output error"); // covers both followers
            }
        }, threads);
        Thread leader = lead(Thread.ofVirtual(), sync);
        assertThat(firstRunning.await(5, TimeUnit.SECONDS)).isTrue();
        List<Object> outcomes = new CopyOnWriteArrayList<>();
        List<Thread> followers = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            followers.add(Thread.ofVirtual().start(() -> {
                try {
                    sync.await(sync.epoch());
                    outcomes.add("acknowledged");
                } catch (IOException e) {
                    outcomes.add(e.getMessage());
                }
            }));
        }
        awaitCallers(sync, 4);
        releaseFirst.countDown();
        leader.join(5000);
        for (Thread t : followers) {
            t.join(5000);
            assertThat(t.isAlive()).as("a waiter wedged").isFalse();
        }
        assertThat(outcomes).hasSize(3).allSatisfy(o -> assertThat(o).asString().contains("Input/output error"));
        assertThat(runs.get()).as("one failed sync for all three").isEqualTo(2);
        sync.await(sync.epoch()); // a change after the failure: the next sync judges it
        assertThat(runs.get()).isEqualTo(3);
    }

    @Test
    void anInterruptedWaiterDoesNotInterruptTheSyncAndKeepsItsFlag() throws Exception {
        CountDownLatch inSync = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        AtomicBoolean interruptedInSync = new AtomicBoolean();
        GroupSync sync = new GroupSync(() -> {
            ranOn.add(Thread.currentThread());
            if (Thread.currentThread().isInterrupted()) {
                interruptedInSync.set(true); // a FileChannel would close here
            }
            if (ranOn.size() == 1) {
                inSync.countDown();
                hold(release);
            }
        }, threads);
        Thread leader = lead(Thread.ofPlatform(), sync);
        assertThat(inSync.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> { // a follower: its change needs the next sync
            try {
                sync.await(sync.epoch());
                outcome.set(Thread.currentThread().isInterrupted() ? "ok, flag kept" : "ok, flag lost");
            } catch (IOException e) {
                outcome.set(e);
            }
        });
        awaitCallers(sync, 2);
        caller.interrupt(); // as a shutdown does, while it waits
        release.countDown();
        caller.join(5000);
        leader.join(5000);
        assertThat(outcome.get()).isEqualTo("ok, flag kept");
        assertThat(ranOn).hasSize(2);
        assertThat(ranOn.get(0)).isSameAs(leader);
        assertThat(ranOn.get(1)).as("an interrupted leader hands its sync to a sync thread").isNotSameAs(caller);
        assertThat(interruptedInSync).isFalse();
    }

    @Test
    void manyWaitersEachReturnOnlyAfterASyncThatSawTheirChangeAndSyncsAreShared() throws Exception {
        int writers = 40;
        int rounds = 100;
        java.util.concurrent.atomic.AtomicIntegerArray changes = new java.util.concurrent.atomic.AtomicIntegerArray(writers);
        AtomicReference<int[]> synced = new AtomicReference<>(new int[writers]);
        AtomicInteger syncs = new AtomicInteger();
        GroupSync sync = new GroupSync(() -> {
            int[] seen = new int[writers]; // what this sync makes durable: every change made before it began
            for (int i = 0; i < writers; i++) {
                seen[i] = changes.get(i);
            }
            syncs.incrementAndGet();
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            synced.set(seen);
        }, threads);
        AtomicReference<String> wrong = new AtomicReference<>();
        java.util.List<Thread> all = new java.util.ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int me = w;
            all.add(Thread.ofVirtual().start(() -> {
                for (int r = 1; r <= rounds; r++) {
                    long epoch = sync.epoch();
                    changes.set(me, r);
                    try {
                        sync.await(epoch);
                    } catch (IOException e) {
                        wrong.set(e.toString());
                    }
                    if (synced.get()[me] < r) {
                        wrong.set("writer " + me + " returned before a sync saw its change " + r);
                    }
                }
            }));
        }
        for (Thread t : all) {
            t.join(8000);
            assertThat(t.isAlive()).as("a waiter wedged").isFalse();
        }
        assertThat(wrong.get()).isNull();
        assertThat(syncs.get()).as("syncs for %d changes", writers * rounds).isLessThan(writers * rounds / 2);
    }
}

