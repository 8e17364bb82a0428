package dev.sparkft.model;

import java.io.Serializable;

/**
 * A summed loss and the weight it sums over (number of examples, or of labelled tokens). Sums from
 * partitions add; the mean is {@code loss / weight}, taken once on the driver.
 */
public record LossSum(double loss, double weight) implements Serializable {
    public static final LossSum ZERO = new LossSum(0, 0);

    public LossSum plus(LossSum other) {
        return new LossSum(loss + other.loss, weight + other.weight);
    }

    public double mean() {
        return weight == 0 ? Double.NaN : loss / weight;
    }
}
