package org.mailferry.delivery;

import java.io.IOException;

/**
 * One single-purpose part of an attempt, as OkHttp's interceptors: it does its part, hands the
 * attempt on with {@link Chain#proceed()} (once, more than once, or not at all), and may look at
 * what comes back. The steps are listed in order where the delivery side is wired
 * ({@link DeliveryWiring}); a new concern (sender rewriting, a per-sender route, a quota) is one
 * more step in the list. A step judges no reply: {@link Classifier} does.
 */
@FunctionalInterface
interface Step {
    /**
     * @throws IOException, SmtpClient.SessionRefused, SecurityFailure while a session is being
     *     opened: the step that tries a site ({@link Admission}) turns them into the site's failure
     */
    Attempted proceed(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure;
}
