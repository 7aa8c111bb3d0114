package org.mailferry.smtp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Eight bytes at a time: lets {@link DataReader} and {@link DataWriter} skip a message's plain text
 * a word per step (about 2.4 times faster than a byte loop on the daemon's C1-compiled JVM, issue 19).
 * Both tests may say yes for a word that holds no such byte only above one that does, so a caller
 * that stops at a word then looks at its bytes one by one.
 */
final class Words {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    private static final long BELOW_SO = 0x0E0E0E0E0E0E0E0EL;

    private Words() {
    }

    /**
     * True when {@code b[i, i + 8)} may hold a byte below 14 (CR, LF, NUL, TAB...) or above 127;
     * false only when all eight are printable ASCII or space.
     */
    static boolean special(byte[] b, int i) {
        long x = (long) LONGS.get(b, i);
        return (((x - BELOW_SO) | x) & HIGHS) != 0;
    }

    /**
     * Not zero when {@code b[i, i + 8)} may hold an LF; zero only when it holds none. A long, not a
     * boolean: the comparison would make it 39 bytes of bytecode, past C1's inlining limit of 35,
     * and a call per word cost {@link DataWriter} a fifth of its time (issue 19).
     */
    static long lf(byte[] b, int i) {
        long x = (long) LONGS.get(b, i) ^ LFS;
        return (x - ONES) & ~x & HIGHS;
    }
}
