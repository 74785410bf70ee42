package dev.valjean.delivery;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where bounces come back, and what they do. */
@ConfigMapping(prefix = "valjean.bounces")
public interface BounceConfig {

    /**
     * With it, each message's envelope sender (Return-Path) is {@code bounces+<token>@<domain>},
     * the token naming its outbox row (VERP); without it, the envelope sender is the From address.
     */
    Optional<String> returnPathDomain();

    /** Soft bounces about the recipient on this many different days within the window suppress the address. */
    @WithDefault("3")
    int softThreshold();

    @WithDefault("30d")
    Duration softWindow();

    /**
     * A message the relay took that has not bounced for this long counts as delivered, which
     * resets the soft-bounce count (with a relay that reports deliveries, its reports do too).
     */
    @WithDefault("72h")
    Duration quietPeriod();

    /** Reports are kept for an admin up to this size (the rest is cut). */
    @WithDefault("2097152")
    int keepRawBytes();

    /** The circuit breaker of an issue that is sending. */
    Breaker breaker();

    /** A bounce mailbox read over IMAP; off without a host. */
    Mailbox mailbox();

    /** Amazon SES through SNS: the topics whose notifications are taken (any topic when unset). */
    Ses ses();

    /** SendGrid's Event Webhook: its verification key (base64 of the EC public key); off without it. */
    Optional<String> sendgridPublicKey();

    /** Postmark's bounce webhook: the basic credentials set on it; off without them. */
    Optional<String> postmarkUser();

    Optional<String> postmarkPassword();

    /** Mailgun's webhook signing key; off without it. */
    Optional<String> mailgunSigningKey();

    /** How old a signed webhook may be (SendGrid, Mailgun); older is refused as a replay. */
    @WithDefault("5m")
    Duration webhookTolerance();

    interface Ses {
        /** On (false: the endpoint answers 404). */
        @WithDefault("false")
        boolean enabled();

        Optional<java.util.List<String>> topicArns();

        /** How old an SNS message may be; SNS retries for up to an hour. */
        @WithDefault("1h")
        Duration tolerance();
    }

    interface Breaker {
        /** Messages that must have gone before the rates count. */
        @WithDefault("1000")
        int minimumSent();

        /** Complaints per message gone at or above which the issue pauses (0.1 %). */
        @WithDefault("0.001")
        double complaintRate();

        /** Hard bounces per message gone (3 %). */
        @WithDefault("0.03")
        double hardBounceRate();

        /** Refusals of the sender or the message per message gone (5 %). */
        @WithDefault("0.05")
        double senderRefusalRate();
    }

    interface Mailbox {
        Optional<String> host();

        @WithDefault("993")
        int port();

        /** imaps (TLS from the start), imap with STARTTLS required, or imap in the clear (tests and localhost only). */
        @WithDefault("imaps")
        String protocol();

        Optional<String> user();

        Optional<String> password();

        @WithDefault("INBOX")
        String folder();

        /** Where processed reports are moved (created if missing). */
        @WithDefault("Processed")
        String processedFolder();

        /** Where reports nobody could be found for are moved, and listed in the console. */
        @WithDefault("Unattributed")
        String unattributedFolder();

        /** How often the mailbox is read (a duration, or "off"); read by the poller's schedule. */
        @WithDefault("60s")
        String every();
    }
}
