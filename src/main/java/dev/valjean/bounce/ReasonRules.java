package dev.valjean.bounce;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells why a message failed from what the receiving server wrote (its reply text) and the RFC
 * 3463 enhanced status code. The words come first because servers put a generic code on many
 * different refusals (a {@code 550 5.1.1} for a blocked sender, a {@code 5.0.0} for an unknown
 * user); the code decides only when no words are recognised.
 */
final class ReasonRules {

    private ReasonRules() {
    }

    private record Rule(BounceReason reason, Pattern words) {
    }

    private static Rule rule(BounceReason reason, String... phrases) {
        return new Rule(reason, Pattern.compile(String.join("|", phrases), Pattern.CASE_INSENSITIVE));
    }

    /** In order: the first rule whose words appear gives the reason. */
    private static final List<Rule> RULES = List.of(
            // Office 365's directory-based edge blocking says "access denied" about an address it does not know
            rule(BounceReason.USERUNKNOWN, "recipient address rejected: access denied"),
            // a local delivery program failing says nothing about the address, whatever words it uses
            rule(BounceReason.MAILERERROR, "procmail", "mailer error", "command (died|failed)", "\\bx-unix;", "pipe to \\|"),
            rule(BounceReason.FILTERED, "recipient preferences", "rejected by the domain filter", "domain filter"),
            rule(BounceReason.VIRUSDETECTED, "\\bvirus(es)? (was |were |has been )?(detected|found)", "infected with", "message contains a virus",
                    "\\bmalware\\b"),
            rule(BounceReason.HASMOVED, "\\bhas (been )?moved\\b", "address has changed", "no longer (at|uses) this address"),
            rule(BounceReason.NORELAYING, "relay(ing)? (access )?(denied|not (permitted|allowed))", "not permitted to relay", "unable to relay",
                    "we do not relay", "relaying (mail )?(to .* )?(is )?(denied|prohibited|not allowed)", "no relaying", "not an open relay"),
            rule(BounceReason.SECURITYERROR, "\\bspf\\b", "\\bdkim\\b", "\\bdmarc\\b", "authentication (is )?required", "sender authentication",
                    "not authenticated", "unauthenticated", "authentication failed", "failed authentication",
                    "must be authenticated", "starttls", "tls (is )?required", "requires? (a )?secure connection",
                    "sender policy framework", "does not pass (domain )?authentication"),
            rule(BounceReason.SPAMDETECTED, "\\bspam\\b(?! ?(policy|filter))", "spam content", "junk mail", "looks like spam", "unsolicited (bulk|commercial)?",
                    "bulk mail", "message (was )?(classified|identified|detected) as (spam|bulk|junk)", "\\buce\\b", "content filter rejected"),
            rule(BounceReason.BLOCKED, "blocked", "black ?list", "block ?list", "\\brbl\\b", "dnsbl", "spamhaus", "spamcop", "sorbs",
                    "(?<!not )\\blisted (on|in|at)\\b", "is listed", "reverse dns", "rdns", "\\bptr\\b", "reverse (lookup|dns)",
                    "poor reputation", "bad reputation", "low reputation", "ip reputation", "client host rejected", "refused to talk to me",
                    "connection (was )?refused by .*policy", "your (ip|server|host|domain)( address)? (has been |is |was )?(banned|denied|rejected|not allowed)",
                    "access denied(?!.*recipient)", "\\bbanned\\b", "too many (bad|invalid) recipients", "not allowed to send",
                    "5\\.7\\.1 .*(denied|refused)", "refused by (the )?(recipient's|remote) (server|host)", "smtp (connection|session) (was )?refused",
                    "sender ip", "\\bip address .* (not|isn't) allowed", "mail from .* (refused|rejected)", "rejected by dnsbl",
                    "temporarily deferred due to user complaints", "deferred due to unexpected volume", "was rejected due to poor"),
            rule(BounceReason.POLICYVIOLATION, "polic(y|ies)", "prohibited", "not accepted for policy", "local policy", "violat(es|ion)"),
            rule(BounceReason.REJECTED, "sender (address )?(rejected|refused|denied|unknown|not allowed|domain)", "domain of sender",
                    "sender address rejected", "sender verify failed", "sender verification", "mail from address",
                    "envelope sender", "return path", "unroutable sender", "unverified address", "address (is )?not verified",
                    "your (email )?address .* (rejected|refused|not accepted)", "you are not allowed to post", "not allowed to post",
                    "not a member", "rejected your message", "refused to accept your message",
                    "sender is not allowed"),
            rule(BounceReason.CONTENTERROR, "content (was )?(rejected|refused|not accepted)", "message content", "header (is|was)? ?(invalid|malformed|rejected)",
                    "malformed", "invalid (message )?header", "message header", "header error", "improper use of 8-bit"),
            rule(BounceReason.EXCEEDLIMIT, "message (size )?(is )?(too (big|large)|exceeds)", "exceeds (the )?(size|maximum|message size)",
                    "size limit", "message length exceeds", "too large"),
            rule(BounceReason.MAILBOXFULL, "mailbox (is )?(full|over)", "(mail)?(box|folder)(es)? (is |are )?full", "over ?quota", "quota (exceeded|full)",
                    "exceeded (the )?(storage|quota)", "exceeds (its )?quota", "storage (allocation|limit|quota)", "insufficient (disk )?(space|storage)",
                    "disk quota", "user is over", "full mailbox", "has exceeded", "out of (mailbox )?space", "not enough (disk )?space",
                    "mailfolder is full", "mail ?box size limit", "would exceed", "too much mail", "quota"),
            rule(BounceReason.SUSPEND, "suspended", "disabled", "deactivated", "inactive", "not active", "account (has been )?(closed|locked|expired|frozen)",
                    "is unavailable due to", "temporarily unavailable", "account is not available", "mailbox (is )?(disabled|inactive|not active)",
                    "discontinued", "no longer (active|available|valid)", "account (was )?(removed|terminated)"),
            rule(BounceReason.HOSTUNKNOWN, "host (or domain name )?(unknown|not found)", "unknown host", "domain (name )?not found", "no such domain", "domain does not exist",
                    "domain (is )?(unknown|invalid|not exist)", "name or service not known", "name service error", "nxdomain", "no mx record",
                    "unrouteable mail domain", "unrouteable address", "host not found", "hostname (lookup|not found)", "unknown (mail )?domain",
                    "domain name (does not|doesn't) exist", "no dns", "dns (lookup )?(error|failure)", "mx (lookup|record) .*fail",
                    "hosts? (is |are )?unknown", "does not resolve", "could not be resolved", "not a valid domain", "illegal host",
                    "can't resolve", "domain .* not exist", "domain (is )?not reachable"),
            rule(BounceReason.NOTACCEPT, "does not accept (any )?mail", "accepts no mail", "null mx", "not accept(ing)? (any )?(e-?)?mail",
                    "no mail (exchanger|servers?) for"),
            rule(BounceReason.USERUNKNOWN, "user(name)? (is )?unknown", "unknown (user|recipient|local|mailbox|address|account)", "no such (user|mailbox|recipient|person|address|account|local user)",
                    "(user|mailbox|recipient|address|account|addressee) (does ?n[o']t exist|not found|doesn't exist|not exist|not known|unknown|unavailable|invalid|is invalid)",
                    "does not exist", "doesn't exist", "not exist", "no mailbox", "mailbox (unavailable|not available|not found|is unavailable)",
                    "invalid (recipient|mailbox|address|user|e-?mail address)", "recipient (rejected|invalid|unknown|not found|address rejected: access denied)",
                    "not a valid (mailbox|user|recipient)", "user not found", "unknown address", "addressee unknown", "not our customer",
                    "no account", "doesn'?t have an? .* account", "couldn'?t be found", "could not be found", "not listed in",
                    "undeliverable address", "bad (destination )?mailbox", "no such local user", "not a known user", "account (is )?not (found|available)",
                    "unrouteable", "is not a valid", "mailbox (name )?(is )?not allowed", "destination address (is )?(not|in)valid", "is not a recipient",
                    "recipient no longer", "address is no longer", "invalid address", "user doesn'?t", "we do not have a user",
                    "invalid final delivery userid", "check if (the )?address is correct", "mailbox unavailable", "no valid recipients"),
            rule(BounceReason.TOOMANYCONN, "too many (connections|concurrent|simultaneous|messages|sessions)", "connection limit", "rate limit",
                    "too many recipients", "try again later", "exceeded (the )?(rate|connection)", "throttl"),
            rule(BounceReason.EXPIRED, "retry (time(out)?|period) (has )?(exceeded|expired)", "\\bexpired\\b", "too long in the queue", "been in the queue too long",
                    "could not be delivered (within|for)", "delivery time expired", "giving up", "gave up", "retry timeout",
                    "could not deliver for", "undeliverable for", "past (the )?(retry|delivery)", "deferred for", "time limit",
                    "has not been delivered", "delayed", "unable to deliver .* (days|hours)", "timeout exceeded", "message expired"),
            rule(BounceReason.NETWORKERROR, "connection (refused|timed out|reset|closed|lost|dropped|failed)", "timed? ?out", "no route to host",
                    "network (is )?unreachable", "could not connect", "couldn't connect", "unable to connect", "can'?t connect", "connect to .* failed",
                    "host (is )?(down|unreachable|not responding)", "lost connection", "no smtp connection", "establish (an )?smtp connection",
                    "failed to connect", "temporary (dns|lookup) failure", "routing loop", "mail loop", "hop count exceeded", "too many hops",
                    "network error", "remote server (is )?not responding", "unable to establish"),
            rule(BounceReason.FILTERED, "filter", "rejected by (the )?recipient", "recipient (has )?(rejected|refused|blocked)", "refused by recipient",
                    "does not (want|wish) to receive", "not authorized to send", "not allowed to receive", "recipient restriction",
                    "receiving mail from you", "do not accept mail from"),
            rule(BounceReason.SYSTEMFULL, "system (is )?full", "(disk|storage) (is )?full", "insufficient system storage"),
            rule(BounceReason.MAILERERROR, "mailer error", "command (died|failed)", "program (failed|exited)", "pipe to", "exit (code|status)",
                    "procmail", "\\bx-unix;"),
            rule(BounceReason.SYSTEMERROR, "system (error|failure|config)", "server (error|failure|configuration)", "internal (server )?error",
                    "local (error|configuration|problem)", "temporary (local )?(problem|failure)", "misconfigured", "service (is )?(not available|unavailable)",
                    "service not available", "configuration error", "i/o error", "too many hops", "loop detected"),
            rule(BounceReason.SYNTAXERROR, "syntax error", "command (not )?(recogni[sz]ed|unrecogni[sz]ed)", "bad sequence of commands",
                    "command unrecognized", "line too long"));

    /** From an enhanced status code (class.subject.detail) alone, when the words say nothing known. */
    private static final Map<String, BounceReason> BY_STATUS = Map.ofEntries(
            Map.entry("1.1", BounceReason.USERUNKNOWN), Map.entry("1.0", BounceReason.ONHOLD), Map.entry("1.2", BounceReason.HOSTUNKNOWN),
            Map.entry("1.3", BounceReason.USERUNKNOWN), Map.entry("1.4", BounceReason.SYSTEMERROR), Map.entry("1.5", BounceReason.SYSTEMERROR),
            Map.entry("1.6", BounceReason.HASMOVED), Map.entry("1.7", BounceReason.REJECTED), Map.entry("1.8", BounceReason.REJECTED),
            Map.entry("1.10", BounceReason.NOTACCEPT),
            Map.entry("2.0", BounceReason.FILTERED), Map.entry("2.1", BounceReason.SUSPEND), Map.entry("2.2", BounceReason.MAILBOXFULL),
            Map.entry("2.3", BounceReason.EXCEEDLIMIT), Map.entry("2.4", BounceReason.SYSTEMERROR),
            Map.entry("3.0", BounceReason.SYSTEMERROR), Map.entry("3.1", BounceReason.SYSTEMFULL), Map.entry("3.2", BounceReason.SYSTEMERROR),
            Map.entry("3.3", BounceReason.SYSTEMERROR), Map.entry("3.4", BounceReason.EXCEEDLIMIT), Map.entry("3.5", BounceReason.SYSTEMERROR),
            Map.entry("4.0", BounceReason.NETWORKERROR), Map.entry("4.1", BounceReason.NETWORKERROR), Map.entry("4.2", BounceReason.NETWORKERROR),
            Map.entry("4.3", BounceReason.SYSTEMERROR), Map.entry("4.4", BounceReason.NETWORKERROR), Map.entry("4.5", BounceReason.NETWORKERROR),
            Map.entry("4.6", BounceReason.NETWORKERROR), Map.entry("4.7", BounceReason.EXPIRED),
            Map.entry("5.0", BounceReason.SYNTAXERROR), Map.entry("5.1", BounceReason.SYNTAXERROR), Map.entry("5.2", BounceReason.SYNTAXERROR),
            Map.entry("5.3", BounceReason.TOOMANYCONN), Map.entry("5.4", BounceReason.SYNTAXERROR), Map.entry("5.5", BounceReason.SYNTAXERROR),
            Map.entry("6.0", BounceReason.CONTENTERROR), Map.entry("6.1", BounceReason.CONTENTERROR), Map.entry("6.2", BounceReason.CONTENTERROR),
            Map.entry("6.3", BounceReason.CONTENTERROR), Map.entry("6.4", BounceReason.CONTENTERROR), Map.entry("6.5", BounceReason.CONTENTERROR),
            Map.entry("7.0", BounceReason.POLICYVIOLATION), Map.entry("7.1", BounceReason.BLOCKED), Map.entry("7.2", BounceReason.POLICYVIOLATION),
            Map.entry("7.3", BounceReason.SECURITYERROR), Map.entry("7.4", BounceReason.SECURITYERROR), Map.entry("7.5", BounceReason.SECURITYERROR),
            Map.entry("7.6", BounceReason.SECURITYERROR), Map.entry("7.7", BounceReason.SECURITYERROR), Map.entry("7.8", BounceReason.SECURITYERROR),
            Map.entry("7.9", BounceReason.POLICYVIOLATION), Map.entry("7.13", BounceReason.SUSPEND), Map.entry("7.23", BounceReason.SECURITYERROR),
            Map.entry("7.24", BounceReason.SECURITYERROR), Map.entry("7.25", BounceReason.BLOCKED), Map.entry("7.26", BounceReason.SECURITYERROR),
            Map.entry("7.27", BounceReason.NOTACCEPT));

    static final Pattern STATUS = Pattern.compile("\\b([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b");
    private static final Pattern REPLY = Pattern.compile("(?<![\\d.])([245])\\d\\d(?![\\d.])");

    /** The first enhanced status code in a text, or null. */
    static String statusIn(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = STATUS.matcher(text);
        while (m.find()) {
            // skip version-like numbers (8.14.4) and IP fragments: a status's class is 2, 4 or 5 and its subject under 8
            if (Integer.parseInt(m.group(2)) <= 7) {
                return m.group();
            }
        }
        return null;
    }

    /**
     * The reason for a failure: what the words say, else the status code's subject and detail,
     * else a temporary code's "try later" or a permanent one's "does not say".
     */
    static BounceReason reason(String diagnostic, String status) {
        return reason(diagnostic, status, null);
    }

    /** As {@link #reason(String, String)}, with the notice's words around the recipient, which may name the SMTP command. */
    static BounceReason reason(String diagnostic, String status, String context) {
        String text = diagnostic == null ? "" : diagnostic.toLowerCase(Locale.ROOT);
        String code = status != null ? status : statusIn(text);
        BounceReason found = words(text, code);
        if (found.bounceClass() == BounceClass.HARD && code != null && code.startsWith("4")) {
            // the server said "try again later": never final, whatever the words
            return found == BounceReason.HOSTUNKNOWN ? BounceReason.NETWORKERROR : BounceReason.ONHOLD;
        }
        String command = command(text + "\n" + (context == null ? "" : context.toLowerCase(Locale.ROOT)));
        if ("mail".equals(command) && !found.aboutSender()) {
            // refused at MAIL FROM: about the sender's address, whatever else the words say
            return BounceReason.REJECTED;
        }
        if (found == BounceReason.USERUNKNOWN && !"rcpt".equals(command) && !addressCode(code)
                && ("data".equals(command) || !CERTAIN.matcher(text).find())) {
            // Words about a missing mailbox count when a 5.1.x code, the RCPT command or unmistakable words back them: the
            // same words after DATA, or vague ones with no command named, are often a filter's verdict (Sisimai reads them so).
            return BounceReason.FILTERED;
        }
        return found;
    }

    /** Where a notice names the SMTP command a refusal answered (Postfix, Exim, Sendmail, qmail, DragonFly and others). */
    private static final Pattern COMMAND = Pattern.compile(
            "(?:in reply to (?:end of )?|after (?:end of )?|>>> ?|smtp command:?\\s+|our (?:final )?|following |last command:?\\s+|most progress was |smtp:)(rcpt|mail from|data)\\b");

    /** Words only a server that has no such mailbox writes. */
    private static final Pattern CERTAIN = Pattern.compile("recipient address rejected: access denied|address couldn'?t be found|no such user"
            + "|recipient name is not recognized|invalid final delivery userid|check if (the )?address is correct|not listed in (the )?public name"
            + "|no valid recipients|no such mailbox|user doesn'?t exist|does not exist|mailbox not found|unknown recipient|recipient unknown");

    /** A session transcript's failing reply ("<<< 550 ...", as Sendmail writes it). */
    private static final Pattern TRANSCRIPT_FAILURE = Pattern.compile("<<< ?[45]\\d\\d");

    private static String command(String text) {
        Matcher failure = TRANSCRIPT_FAILURE.matcher(text);
        if (failure.find()) {
            // a transcript: the command just before the first refusal is the one refused
            Matcher m = COMMAND.matcher(text);
            m.region(0, failure.start());
            String last = null;
            while (m.find()) {
                last = m.group(1).split(" ")[0];
            }
            if (last != null) {
                return last;
            }
        }
        Matcher m = COMMAND.matcher(text);
        return m.find() ? m.group(1).split(" ")[0] : null;
    }

    private static boolean addressCode(String code) {
        return code != null && (code.startsWith("5.1.") || code.equals("5.2.1"));
    }

    private static BounceReason words(String text, String code) {
        for (Rule r : RULES) {
            if (r.words().matcher(text).find()) {
                return r.reason();
            }
        }
        if (code != null) {
            String[] p = code.split("\\.");
            BounceReason byCode = BY_STATUS.get(p[1] + "." + p[2]);
            if (byCode != null) {
                return byCode;
            }
        }
        return BounceReason.ONHOLD;
    }

    /** Whether a text holds an SMTP reply code of the permanent (5xx) class. */
    static boolean permanentReply(String text) {
        Matcher m = REPLY.matcher(text == null ? "" : text);
        return m.find() && m.group(1).equals("5");
    }
}
