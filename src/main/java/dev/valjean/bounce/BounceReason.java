package dev.valjean.bounce;

import java.util.Locale;

/**
 * Why a message came back, in the vocabulary of the Sisimai project (so results compare with it),
 * with the class each reason gives and whether it is about the sender rather than the recipient.
 */
public enum BounceReason {
    USERUNKNOWN(BounceClass.HARD, false, "the mailbox does not exist"),
    HOSTUNKNOWN(BounceClass.HARD, false, "the domain does not exist"),
    HASMOVED(BounceClass.HARD, false, "the person has moved to another address"),
    NOTACCEPT(BounceClass.HARD, false, "the domain accepts no mail"),
    MAILBOXFULL(BounceClass.SOFT, false, "the mailbox is full"),
    SUSPEND(BounceClass.SOFT, false, "the account is suspended or disabled"),
    EXCEEDLIMIT(BounceClass.SOFT, false, "the message is over the recipient's size limit"),
    SYSTEMFULL(BounceClass.SOFT, false, "the receiving server is out of space"),
    FILTERED(BounceClass.SOFT, false, "the recipient's filter refused it"),
    EXPIRED(BounceClass.SOFT, false, "delivery was given up after retrying"),
    NETWORKERROR(BounceClass.SOFT, false, "the receiving server could not be reached"),
    SYSTEMERROR(BounceClass.SOFT, false, "the receiving server failed"),
    MAILERERROR(BounceClass.SOFT, false, "the receiving program failed"),
    TOOMANYCONN(BounceClass.SOFT, false, "too many connections or messages at once"),
    SYNTAXERROR(BounceClass.SOFT, false, "the receiving server did not understand a command"),
    ONHOLD(BounceClass.SOFT, false, "the report does not say why"),
    BLOCKED(BounceClass.SOFT, true, "the sending server is blocked"),
    SPAMDETECTED(BounceClass.SOFT, true, "the message was taken for spam"),
    POLICYVIOLATION(BounceClass.SOFT, true, "the message broke the receiver's policy"),
    SECURITYERROR(BounceClass.SOFT, true, "sender authentication (SPF, DKIM, DMARC) failed"),
    CONTENTERROR(BounceClass.SOFT, true, "the message's content or headers were refused"),
    VIRUSDETECTED(BounceClass.SOFT, true, "a virus was reported in the message"),
    REJECTED(BounceClass.SOFT, true, "the sender's address was refused"),
    NORELAYING(BounceClass.SOFT, true, "the receiving server refused to relay"),
    FEEDBACK(BounceClass.COMPLAINT, false, "the person reported the message as spam"),
    VACATION(BounceClass.OTHER, false, "an automatic reply"),
    DELIVERED(BounceClass.DELIVERED, false, "delivered");

    private final BounceClass bounceClass;
    private final boolean aboutSender;
    private final String words;

    BounceReason(BounceClass bounceClass, boolean aboutSender, String words) {
        this.bounceClass = bounceClass;
        this.aboutSender = aboutSender;
        this.words = words;
    }

    public BounceClass bounceClass() {
        return bounceClass;
    }

    /** A refusal of the sender or the message: never the recipient's fault, counted by the circuit breaker. */
    public boolean aboutSender() {
        return aboutSender;
    }

    public String words() {
        return words;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
