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
}
