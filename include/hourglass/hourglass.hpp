// hourglass/hourglass.hpp — the core umbrella: everything needed to build, train and check a
// model. File formats and images (hourglass/io/...) are separate headers, so a user who wants a
// model only pays for a model.
//
// The folders are the layers of the library, each using only those above it in this list:
//   core/         shapes, the layer contract (layer.hpp), activations, the layers (Dense, TiedDense,
//                 Reshape, Conv2D, ConvTranspose2D, MaxPool2D/AvgPool2D, Upsample2D) and their
//                 kernels, the flat parameter buffer, the random engine, threads
//   model/        the layer chain (Sequential), Encoder, Decoder, Autoencoder, EncoderModel (the encoder
//                 alone), the Scaler kept with a model
//   objectives/   the Loss concept, losses (masked ones for missing values), metrics, penalties/ (sparsity, contractive, weight decay), corruption/ (denoising)
//   training/     optimizers, learning-rate schedules, fit(), progress display
//   diagnostics/  the finite-difference gradient checker
//   baselines/    PCA, the linear baseline autoencoders are compared with
//   applications/ anomaly scores and thresholds, ROC and precision-recall evaluation, imputation
#pragma once

#include "applications/anomaly.hpp"
#include "applications/imputation.hpp"
#include "applications/roc.hpp"
#include "baselines/pca.hpp"
#include "core/activations.hpp"
#include "core/config.hpp"
#include "core/conv2d.hpp"
#include "core/conv_transpose2d.hpp"
#include "core/dense.hpp"
#include "core/gaussian_latent.hpp"
#include "core/parameters.hpp"
#include "core/pooling.hpp"
#include "core/random.hpp"
#include "core/reshape.hpp"
#include "core/shape.hpp"
#include "core/layer.hpp"
#include "core/tied_dense.hpp"
#include "core/upsample.hpp"
#include "diagnostics/gradient_check.hpp"
#include "model/autoencoder.hpp"
#include "model/decoder.hpp"
#include "model/encoder.hpp"
#include "model/encoder_model.hpp"
#include "model/predictor.hpp"
#include "model/scaler.hpp"
#include "model/sequential.hpp"
#include "model/threshold.hpp"
#include "model/vae.hpp"
#include "objectives/loss.hpp"
#include "objectives/likelihoods.hpp"
#include "objectives/losses.hpp"
#include "objectives/masked_losses.hpp"
#include "objectives/corruption/gaussian.hpp"
#include "objectives/corruption/masking.hpp"
#include "objectives/corruption/missing_values.hpp"
#include "objectives/corruption/salt_and_pepper.hpp"
#include "objectives/metrics.hpp"
#include "objectives/penalties/contractive.hpp"
#include "objectives/penalties/contractive_layerwise.hpp"
#include "objectives/penalties/sparse_kl.hpp"
#include "objectives/penalties/sparse_l1.hpp"
#include "objectives/penalties/weight_decay.hpp"
#include "training/batch_source.hpp"
#include "training/fit.hpp"
#include "training/optimizers/adam.hpp"
#include "training/optimizers/rmsprop.hpp"
#include "training/optimizers/sgd.hpp"
#include "training/schedules.hpp"
