package org.mailferry.delivery;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each address by its site's state ({@link Sites}): a site that is down is skipped with its reason
 * (unless this attempt is its probe); a session that cannot be opened, or that times out midway,
 * marks the site down. How each failure counts is {@link Classifier}'s.
 */
final class Admission implements SessionStep {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    private final Sites sites;

    Admission(Sites sites) {
        this.sites = sites;
    }

    @Override
    public Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        String site = chain.site();
        Sites.Admission admission = sites.admit(site);
        if (admission.verdict() == Sites.Verdict.SKIP) {
            return Attempted.failed(chain.env(), admission.deferral(), Attempted.Reach.SKIPPED).siteDown(site);
        }
        boolean answered = false;
        try {
            Attempted a = chain.proceed();
            answered = true;
            if (a.reach() == Attempted.Reach.FAILING) {
                sites.failed(site, a.failure());
                return a.siteDown(site);
            }
            return a;
        } catch (SecurityFailure e) {
            answered = true;
            if (e.authentication()) {
                log.error("AUTHENTICATION FAILED: {}; messages stay queued until the credentials are fixed",
                        e.getMessage());
            }
            return down(chain, site, Classifier.classify(e, site));
        } catch (IOException e) {
            answered = true;
            return down(chain, site, Classifier.classify(e, "connect to " + site, site));
        } catch (SmtpClient.SessionRefused e) {
            answered = true;
            return down(chain, site, Classifier.classifySessionRefused(e.reply(), site));
        } finally {
            if (admission.verdict() == Sites.Verdict.PROBE && !answered) {
                sites.abandon(site); // the probe ended on our side without an answer
            }
        }
    }

    private Attempted down(Chain chain, String site, DeliveryOutcome.TemporaryFailure f) {
        sites.failed(site, f);
        return Attempted.failed(chain.env(), f, Attempted.Reach.NO_SESSION).siteDown(site);
    }
}
