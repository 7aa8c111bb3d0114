package org.mailferry.submission;

import java.io.IOException;
import java.io.OutputStream;

/** Counts bytes and remembers the first write failure, so DATA is always read to its end. */
final class CountingSink extends OutputStream {
    private final OutputStream target;
    long count;
    IOException failure;

    CountingSink(OutputStream target) {
        this.target = target;
    }

    @Override
    public void write(int b) {
        count++;
        if (failure == null) {
            try {
                target.write(b);
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        count += len;
        if (failure == null) {
            try {
                target.write(b, off, len);
            } catch (IOException e) {
                failure = e;
            }
        }
    }
}
