package dev.valjean.delivery;

/** Why an email is sent. The consent gate applies different rules to each. */
public enum Purpose {
    /** The double opt-in confirmation someone just asked for. */
    CONFIRMATION,
    /** An issue of a newsletter the person confirmed. */
    NEWSLETTER,
    /** A step of a sequence on an open deal or a customer relationship. */
    NURTURE,
    /** A message an operator or the person asked for (relay test, export ready). */
    TRANSACTIONAL;

    /** List mail carries RFC 8058 one-click unsubscribe and RFC 2919 List-Id. */
    public boolean isListMail() {
        return this == NEWSLETTER || this == NURTURE;
    }
}
