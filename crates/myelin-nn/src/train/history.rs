//! Per-epoch records of a training run.

/// Loss and accuracy of one epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochStats {
    /// 0-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples, measured on each batch before its
    /// update, in training mode (PyTorch's usual running average).
    pub train_loss: f64,
    /// Training accuracy measured the same way.
    pub train_accuracy: f64,
    /// Validation loss after the epoch (evaluation mode), if validation data was given.
    pub val_loss: Option<f64>,
    /// Validation accuracy after the epoch.
    pub val_accuracy: Option<f64>,
    /// Wall-clock seconds the epoch took (training and validation).
    pub seconds: f64,
    /// The learning rate the epoch trained with (the optimiser's, read at its start).
    pub lr: f64,
}

/// Everything [`crate::train::fit`] measured, one entry per epoch.
///
/// ```
/// use myelin_nn::train::{EpochStats, History};
/// let mut h = History::default();
/// h.epochs.push(EpochStats { epoch: 0, train_loss: 1.0, train_accuracy: 0.5,
///     val_loss: Some(1.2), val_accuracy: Some(0.4), seconds: 0.1, lr: 0.1 });
/// h.epochs.push(EpochStats { epoch: 1, train_loss: 0.5, train_accuracy: 0.8,
///     val_loss: Some(0.9), val_accuracy: Some(0.7), seconds: 0.1, lr: 0.1 });
/// assert_eq!(h.last().unwrap().epoch, 1);
/// assert_eq!(h.best_val_accuracy(), Some((1, 0.7)));
/// assert_eq!(h.train_losses(), vec![1.0, 0.5]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One record per completed epoch.
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// The last epoch's record.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// The training loss of every epoch.
    pub fn train_losses(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.train_loss).collect()
    }

    /// `(epoch, accuracy)` of the best validation accuracy (the first on ties).
    pub fn best_val_accuracy(&self) -> Option<(usize, f64)> {
        self.epochs
            .iter()
            .filter_map(|e| e.val_accuracy.map(|a| (e.epoch, a)))
            .fold(None, |best, (e, a)| match best {
                Some((_, b)) if b >= a => best,
                _ => Some((e, a)),
            })
    }
}
