package dev.valjean.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link PublicEndpoint} method that checks a bearer token itself, in the transaction that
 * does its work: {@link AuthFilter} hands the token over unchecked ({@link Caller#presentedToken()})
 * instead of looking it up first. The method must refuse an unknown or revoked token with 401
 * before it stores anything. The token sign-up does this so that the sign-ups sharing one
 * transaction check their tokens in one round trip (docs/DECISIONS.md 37).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface TokenCheckedWithTheWork {
}
