package org.mailferry.submission;

/**
 * The listener's connection slots (smtpd.max_connections), the last few of which only clients in
 * smtpd.mynetworks may take (smtpd.mynetworks_reserved_connections): outsiders holding every slot
 * they can (slow clients, password guessers waiting out their AUTH delays) still leave room for
 * the applications the relay serves.
 */
public final class ConnectionSlots {
    private final int max;
    private final int reserved;
    private int used;

    public ConnectionSlots(int max, int reservedForMynetworks) {
        if (max <= 0 || reservedForMynetworks < 0 || reservedForMynetworks >= max) {
            throw new IllegalArgumentException("need 0 <= reserved < max, not " + reservedForMynetworks + " of " + max);
        }
        this.max = max;
        this.reserved = reservedForMynetworks;
    }

    /** Takes a slot; false when none is free for this kind of client. */
    public synchronized boolean tryAcquire(boolean inMynetworks) {
        if (used >= (inMynetworks ? max : max - reserved)) {
            return false;
        }
        used++;
        return true;
    }

    public synchronized void release() {
        used--;
    }

    public int reserved() {
        return reserved;
    }
}
