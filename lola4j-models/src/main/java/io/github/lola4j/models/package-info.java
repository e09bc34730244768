/**
 * The models shipped with lola4j, trained by its own trainer, and the registry that loads them by
 * name ({@link io.github.lola4j.models.ModelRegistry}).
 *
 * <p>The weights are resources of this package's module ({@code lola4j-models}), so a model update
 * is a release of that module alone and a user of the cryptography alone never downloads them.
 * {@code docs/models.md} gives each model's accuracy and the command that reproduces it.
 */
package io.github.lola4j.models;
