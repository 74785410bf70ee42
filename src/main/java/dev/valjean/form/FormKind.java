package dev.valjean.form;

/** What a form is for. Only a newsletter sign-up subscribes; only the sales kinds reach sales. */
public enum FormKind {
    NEWSLETTER_SIGNUP, GATED_DOWNLOAD, EVENT_REGISTRATION, DEMO_REQUEST, CONTACT_SALES, TRIAL;

    boolean isGated() {
        return this == GATED_DOWNLOAD || this == EVENT_REGISTRATION;
    }

    boolean asksForSales() {
        return this == DEMO_REQUEST || this == CONTACT_SALES || this == TRIAL;
    }
}
