package org.mailferry.delivery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.config.Config;
import org.mailferry.config.Smarthost;
import org.mailferry.message.Address;

/**
 * The smarthosts' addresses in order ({@link Router}), each tried down the rest of the steps until
 * one gives a session: the next address or smarthost is the failover. With none, the message is
 * deferred with the last session's failure, or the first skipped site's reason when no session was
 * tried.
 */
final class Route implements SessionStep {
    private final Router router;
    private final Config.Relay relay;

    /** @param relay the smarthosts, and the sender relay map ({@link SenderRoutes}) */
    Route(Router router, Config.Relay relay) {
        this.router = router;
        this.relay = relay;
    }

    @Override
    public Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        SenderRoutes.Route route = chain.env() == null ? SenderRoutes.of(relay, Address.NULL_SENDER)
                : SenderRoutes.of(relay, chain.env().sender());
        List<Smarthost> smarthosts = route.smarthosts();
        List<Router.Target> targets;
        try {
            targets = router.targets(smarthosts);
        } catch (LookupFailure e) {
            return new Attempted(Outcomes.same(chain.env().pending(), Classifier.classify(e)), null, false, List.of(),
                    false, Attempted.Reach.NO_SESSION, null);
        }
        List<String> down = new ArrayList<>();
        DeliveryOutcome.TemporaryFailure failure = null;
        for (Router.Target t : targets) {
            Attempted a = chain.withTarget(t, names(t, smarthosts, route.login())).proceed();
            if (a.reach() != Attempted.Reach.SKIPPED && a.reach() != Attempted.Reach.NO_SESSION) {
                return a.alsoDown(down);
            }
            down.addAll(a.downSites());
            failure = a.reach() == Attempted.Reach.NO_SESSION || failure == null ? a.failure() : failure;
        }
        return Attempted.failed(chain.env(), failure, Attempted.Reach.NO_SESSION).alsoDown(down);
    }

    /**
     * Names to look credentials up by: the sender's key (relay.sender_dependent_authentication),
     * the host connected to, then the configured smarthost names.
     */
    private static List<String> names(Router.Target t, List<Smarthost> smarthosts, String login) {
        List<String> names = new ArrayList<>();
        if (login != null) {
            names.add(login);
        }
        names.add(t.hostName());
        for (Smarthost s : smarthosts) {
            if (s.port() == t.address().getPort() && !names.contains(s.host())) {
                names.add(s.host());
            }
        }
        return names;
    }
}
