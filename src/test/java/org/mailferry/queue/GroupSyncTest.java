package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
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
    void anInterruptedWaiterDoesNotInterruptTheSyncAndKeepsItsFlag() throws Exception {
        CountDownLatch inSync = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> syncThread = new AtomicReference<>();
        AtomicBoolean interruptedInSync = new AtomicBoolean();
        GroupSync sync = new GroupSync(() -> {
            syncThread.set(Thread.currentThread());
            inSync.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                interruptedInSync.set(true);
            }
        }, threads);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                sync.await(sync.epoch());
                outcome.set(Thread.currentThread().isInterrupted() ? "ok, flag kept" : "ok, flag lost");
            } catch (IOException e) {
                outcome.set(e);
            }
        });
        assertThat(inSync.await(5, TimeUnit.SECONDS)).isTrue();
        caller.interrupt(); // as a shutdown does
        Thread.sleep(50);
        release.countDown();
        caller.join(5000);
        assertThat(syncThread.get()).isNotSameAs(caller);
        assertThat(interruptedInSync).isFalse();
        assertThat(outcome.get()).isEqualTo("ok, flag kept");
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

