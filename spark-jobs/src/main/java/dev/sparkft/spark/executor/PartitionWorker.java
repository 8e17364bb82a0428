package dev.sparkft.spark.executor;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Executor: a round's work on one partition, given what that partition kept from its previous round
 * ({@link PartitionState#EMPTY} at first, and always for a master that keeps nothing). Returns the partition's
 * vector and the state to keep. {@link PartitionRound} runs it, with compression and error feedback around it.
 */
@FunctionalInterface
public interface PartitionWorker extends Serializable {

    /** The partition's result and the state it keeps for the next round. */
    record Output(PartialSum sum, PartitionState state) {
    }

    Output call(Iterator<Tuple2<Long, Row>> rows, PartitionState previous) throws Exception;
}
