package dev.valjean.delivery;

/**
 * Thrown while composing when this instance's own configuration is at fault (its layouts folder
 * is missing, no postal address, no signing key), not the message. The message goes back to the
 * queue untouched for an instance that can compose it, and this one stops claiming.
 */
public class InstanceNotReady extends RuntimeException {

    public InstanceNotReady(String message) {
        super(message, null, false, false);
    }
}
