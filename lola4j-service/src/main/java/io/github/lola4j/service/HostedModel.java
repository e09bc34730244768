package io.github.lola4j.service;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.lola.ClientPlan;
import io.github.lola4j.lola.Plan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A model a server hosts: its name in the protocol, the compiled plan (which stays on the server),
 * the client plan it hands out, and the body limits derived from the plan: an evaluation key
 * upload at most the full-form size of exactly the keys the plan needs, an input at most the
 * full-form size of its ciphertexts.
 *
 * @param name            the name clients use, 1 to 64 of {@code A-Z a-z 0-9 . _ -}
 * @param plan            the plan
 * @param clientPlanBytes the serialized {@link ClientPlan}
 * @param maxKeyBytes     the largest evaluation key upload accepted
 * @param maxInputBytes   the largest encrypted input accepted
 */
public record HostedModel(String name, Plan plan, byte[] clientPlanBytes, long maxKeyBytes, long maxInputBytes) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Validates the name and copies the bytes. */
    public HostedModel {
        Objects.requireNonNull(plan, "plan");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name must be 1 to 64 of A-Z a-z 0-9 . _ -, got '" + name + "'");
        }
        clientPlanBytes = clientPlanBytes.clone();
    }

    /**
     * Hosts a plan under a name, with the limits its parameters imply.
     *
     * @param name the protocol name
     * @param plan the compiled plan
     * @return the hosted model
     */
    public static HostedModel of(String name, Plan plan) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            plan.clientPlan().write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long keys = CkksSerializer.evaluationKeysSize(plan.parameters(), plan.keyRequirements(), CkksSerializer.Form.FULL);
        return new HostedModel(name, plan, b.toByteArray(), keys, plan.clientPlan().inputBytes(false));
    }

    /** The serialized client plan (a copy). */
    @Override
    public byte[] clientPlanBytes() {
        return clientPlanBytes.clone();
    }

    byte[] planBytesShared() {
        return clientPlanBytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostedModel m && m.name.equals(name) && m.plan.fingerprint() == plan.fingerprint();
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(plan.fingerprint());
    }

    @Override
    public String toString() {
        return "HostedModel[" + name + ", " + plan + "]";
    }
}
