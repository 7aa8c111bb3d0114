package org.mailferry.testing;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.mailferry.Mailferry;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventListener;
import org.mailferry.notify.EventType;

/**
 * The real relay ({@code Mailferry.start}) for a child JVM, able to stand still inside one state
 * change so that the parent can kill -9 it exactly there. Arguments: {@code CONFIG [TYPE PHASE]}.
 * PHASE {@code told}: the state change is durable and the listeners are being told, the webhooks
 * not yet (a listener placed before them stops). PHASE {@code prepared}: the webhooks have recorded
 * the events and the state change is not made yet (a listener placed after them stops in
 * {@code prepare}). Prints {@code READY} once listening, {@code PAUSED TYPE QUEUEID} when it stops.
 */
public final class PausingRelay {
    private PausingRelay() {
    }

    public static void main(String[] args) throws Exception {
        Mailferry m = Mailferry.start(org.mailferry.config.ConfigLoader.load(Path.of(args[0]), Map.of()),
                Clock.systemUTC());
        if (args.length == 3) {
            String type = args[1];
            boolean told = args[2].equals("told");
            EventListener pause = new EventListener() {
                @Override
                public void on(DeliveryEvent event) {
                    if (told && EventType.of(event).equals(type)) {
                        stop(type, event);
                    }
                }

                @Override
                public void prepare(List<DeliveryEvent> owed) {
                    for (DeliveryEvent event : owed) {
                        if (!told && EventType.of(event).equals(type)) {
                            stop(type, event);
                        }
                    }
                }
            };
            if (told) {
                m.events().remove(m.webhooks());
                m.events().add(pause);
                m.events().add(m.webhooks());
            } else {
                m.events().add(pause);
            }
        }
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void stop(String type, DeliveryEvent event) {
        System.out.println("PAUSED " + type + " " + event.id());
        System.out.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // stand still until killed
            }
        }
    }
}
