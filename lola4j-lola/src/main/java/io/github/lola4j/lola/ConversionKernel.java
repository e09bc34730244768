package io.github.lola4j.lola;

/**
 * A kernel that only moves values between slots and ciphertexts (rotations and additions, no
 * product): it uses no level and passes its input's pending affine factor through unchanged.
 */
abstract class ConversionKernel extends Kernel {

    ConversionKernel(Representation input, double inAlpha, double inBeta) {
        super(input, inAlpha, inBeta);
    }

    @Override
    final double outAlpha() {
        return inAlpha();
    }

    @Override
    final double outBeta() {
        return inBeta();
    }
}
