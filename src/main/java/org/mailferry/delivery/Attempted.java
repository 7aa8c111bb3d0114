package org.mailferry.delivery;

import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Envelope;

/**
 * What an attempt did, or the part of it from one step on.
 *
 * @param outcomes   one per pending recipient, keyed by address ({@link Outcomes#NONE}: not tried)
 * @param connection the session to keep for the next message, or null
 * @param dsnOffered the smarthost offered DSN, so NOTIFY and the rest were passed on
 * @param downSites  sites found down on the way (skipped, or failing now): the message was
 *                   deferred without (or after) a session
 * @param siteBack   this attempt's session brought a down site back
 * @param reach      how far it got: the route's failover and the reuse's fresh try read it
 * @param failure    for every reach but {@link Reach#SESSION}: the failure all outcomes are
 * @param sentAs     "" unless the sender was rewritten: what was sent ({@link Rewrite}), for the history
 */
record Attempted(Outcomes outcomes, SmtpClient connection, boolean dsnOffered, List<String> downSites,
                 boolean siteBack, Reach reach, DeliveryOutcome.TemporaryFailure failure, String sentAs) {

    /** How far an attempt got. */
    enum Reach {
        /** The site is down and was skipped: the route tries the next address. */
        SKIPPED,
        /** No session could be opened (the site is down now): the route tries the next address. */
        NO_SESSION,
        /** A session carried the transaction, or lost it with no verdict on the site. */
        SESSION,
        /** A reused connection was lost: worth one fresh try. */
        LOST,
        /** The session timed out midway: the site is failing and is to be marked down. */
        FAILING
    }

    Attempted {
        downSites = List.copyOf(downSites);
    }

    Attempted(Outcomes outcomes, SmtpClient connection, boolean dsnOffered, List<String> downSites,
              boolean siteBack, Reach reach, DeliveryOutcome.TemporaryFailure failure) {
        this(outcomes, connection, dsnOffered, downSites, siteBack, reach, failure, "");
    }

    /** Every pending recipient of {@code env} failed with {@code f}; nothing to keep. */
    static Attempted failed(Envelope env, DeliveryOutcome.TemporaryFailure f, Reach reach) {
        return new Attempted(Outcomes.same(env.pending(), f), null, false, List.of(), false, reach, f);
    }

    /** The end of a session's setup alone ({@code mailferry check}): the open connection. */
    static Attempted holding(Chain chain) {
        return new Attempted(Outcomes.NONE, chain.connection(), false, List.of(), false, Reach.SESSION, null);
    }

    /** The same with {@code sites} down as well (before this one's). */
    Attempted alsoDown(List<String> sites) {
        List<String> all = new ArrayList<>(sites);
        all.addAll(downSites);
        return new Attempted(outcomes, connection, dsnOffered, all, siteBack, reach, failure, sentAs);
    }

    /** The site at hand is down now: no longer back, whatever the session said. */
    Attempted siteDown(String site) {
        return new Attempted(outcomes, connection, dsnOffered, List.of(site), false, reach, failure, sentAs);
    }

    Attempted withSiteBack(boolean back) {
        return new Attempted(outcomes, connection, dsnOffered, downSites, back, reach, failure, sentAs);
    }

    Attempted withReach(Reach r) {
        return new Attempted(outcomes, connection, dsnOffered, downSites, siteBack, r, failure, sentAs);
    }

    /** The same, noting what the sender was sent as. */
    Attempted withSentAs(String note) {
        return new Attempted(outcomes, connection, dsnOffered, downSites, siteBack, reach, failure, note);
    }
}
