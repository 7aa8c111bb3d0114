package org.mailferry.delivery;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.mailferry.message.Address;
import org.mailferry.message.Recipient;

/**
 * What one attempt did for each pending recipient, keyed by address, not by position: a step that
 * drops, adds or reorders recipients cannot misalign them. A recipient listed twice has one
 * outcome. Empty when the message was not tried (it expired).
 */
record Outcomes(Map<Address, DeliveryOutcome> byAddress) {
    static final Outcomes NONE = new Outcomes(Map.of());

    Outcomes {
        byAddress = Collections.unmodifiableMap(new LinkedHashMap<>(byAddress));
    }

    /** The same outcome for every one of {@code pending} (a failure of the site or the whole message). */
    static Outcomes same(List<Recipient> pending, DeliveryOutcome o) {
        Map<Address, DeliveryOutcome> m = new LinkedHashMap<>();
        for (Recipient r : pending) {
            m.put(r.address(), o);
        }
        return new Outcomes(m);
    }

    /** The recipient's outcome, or null when it was not tried. */
    DeliveryOutcome of(Recipient r) {
        return byAddress.get(r.address());
    }

    /** True when there are outcomes and each satisfies {@code p}. */
    boolean allAre(Predicate<DeliveryOutcome> p) {
        return !byAddress.isEmpty() && byAddress.values().stream().allMatch(p);
    }
}
