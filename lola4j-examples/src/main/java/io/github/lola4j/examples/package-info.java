/**
 * Numbered examples, each a small program with a {@code main}, in the order a newcomer needs them:
 * {@link io.github.lola4j.examples.E01CkksBasics} (keys, encryption, products, rotations),
 * {@link io.github.lola4j.examples.E02Serialization} (what a client sends and a server reads),
 * {@link io.github.lola4j.examples.E03EncryptedMnist} (a shipped network through the compiler),
 * {@link io.github.lola4j.examples.E04YourOwnNetwork} (a network of your own, encrypted).
 * Run one with {@code java --add-modules jdk.incubator.vector -cp lola4j-cli/target/lola4j.jar:lola4j-examples/target/classes
 * io.github.lola4j.examples.E01CkksBasics}. The Java snippets of {@code docs/} are regions of these
 * files, marked {@code // snippet NAME}; {@code ExamplesTest} runs every example and checks that
 * the documents still hold the regions word for word.
 */
package io.github.lola4j.examples;
