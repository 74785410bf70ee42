package dev.valjean.mail;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.ValjeanException;

/** The sender's postal address every email must show (CAN-SPAM): a newsletter's own, else the configured one. */
@ApplicationScoped
public class PostalAddress {

    private final String configured;

    public PostalAddress(MailConfig config) {
        this.configured = config.postalAddress().filter(a -> !a.isBlank()).orElse(null);
    }

    /** Whether a default address is configured, so a newsletter without its own can still send. */
    public boolean hasDefault() {
        return configured != null;
    }

    /** The address to print: {@code own} when set, else the configured one; 422 POSTAL_ADDRESS_MISSING when neither exists. */
    public String resolve(String own) {
        String address = own != null && !own.isBlank() ? own : configured;
        if (address == null) {
            throw ValjeanException.invalid("POSTAL_ADDRESS_MISSING", "Every email shows the sender's postal address (CAN-SPAM). "
                    + "Set the newsletter's postal address or valjean.mail.postal-address.");
        }
        return address;
    }
}
