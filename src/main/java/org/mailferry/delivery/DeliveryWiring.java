package org.mailferry.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.mailferry.config.Config;
import org.mailferry.config.RelaySecurity;
import org.mailferry.notify.DsnComposer;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Spool;

/**
 * The delivery side of the wiring (called by Mailferry only): the one place the scheduler's parts
 * are built from the config and handed to each other, so no part constructs another's
 * collaborators. It lives in this package so the parts stay package-private.
 *
 * @param runner  the scheduler, not yet started
 * @param control operator commands, under the runner's claims
 * @param sites   the smarthost sites and which of them are down (for the metrics)
 */
public record DeliveryWiring(QueueRunner runner, QueueControl control, Sites sites) {
    /** How long an operator's command waits for a running attempt to let go of its message. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    public static DeliveryWiring of(Spool spool, Config config, EventListener events, Clock clock) {
        Config.Relay relay = config.relay();
        Config.Queue queue = config.queue();
        RetrySchedule retry = new RetrySchedule(queue.retryMin(), queue.retryMax(), RandomGenerator.getDefault());
        DsnSender dsn = new DsnSender(spool, new DsnComposer(config.smtpd().hostname()), queue.delayWarning(),
                queue.lifetime(), queue.bounceSizeLimitBytes());
        Schedule schedule = new Schedule(clock);
        Sites sites = new Sites(clock, relay.siteBackoffMin(), relay.siteBackoffMax());
        ClientSecurity security = ClientSecurity.from(relay.security() == null ? RelaySecurity.DEFAULT
                : relay.security(), clock);
        // the attempt, step by step (a new concern is one more step in this list); one DNS cache
        Pipeline pipeline = new Pipeline(List.of(new Reuse(sites), new Route(Router.of(relay), relay.smarthosts()),
                new Admission(sites), new Connect(relay.heloName(), SmtpClient.Timeouts.of(relay), security),
                new StartTls(relay.heloName(), security), new Authenticate(security), new SessionOpened(sites),
                new Transaction(spool)));
        Recorder recorder = new Recorder(spool, queue.lifetime(), retry, dsn, events);
        Troubles troubles = new Troubles(recorder, schedule, retry, clock, events);
        Workers workers = new Workers(schedule, clock, relay.connectionReuseTime());
        Claims claims = new Claims();
        QueueRunner runner = new QueueRunner(spool, relay, queue.lifetime(),
                new QueueRunner.Parts(schedule, sites, pipeline, recorder, troubles, workers, claims, new Deferrals()),
                events, clock);
        return new DeliveryWiring(runner, new QueueControl(spool, runner, claims, events, clock, PATIENCE, dsn), sites);
    }
}
