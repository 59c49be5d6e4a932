//! The BERT encoder of all-MiniLM-L6-v2 (6 layers, 12 heads, 384 hidden, 1536 intermediate,
//! GELU, post-layer-norm) and the sentence-transformers pooling: the mean of the last hidden
//! states over the real tokens, scaled to unit length.

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};

use crate::DIMENSION;

const LAYERS: usize = 6;
const HEADS: usize = 12;
const HEAD_SIZE: usize = DIMENSION / HEADS;
const INTERMEDIATE: usize = 1536;
const VOCAB: usize = 30522;
const POSITIONS: usize = 512;
const LAYER_NORM_EPS: f64 = 1e-12;

/// The network with its weights.
pub struct Encoder {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
    device: Device,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

impl Encoder {
    /// Builds the network from the bytes of `model.safetensors` (names as Hugging Face's
    /// `BertModel` writes them).
    pub fn load(safetensors: Vec<u8>, device: &Device) -> candle_core::Result<Self> {
        let vb = VarBuilder::from_buffered_safetensors(safetensors, DType::F32, device)?;
        let emb = vb.pp("embeddings");
        let layers = (0..LAYERS)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}"))))
            .collect::<candle_core::Result<_>>()?;
        Ok(Self {
            words: embedding(VOCAB, DIMENSION, emb.pp("word_embeddings"))?,
            positions: embedding(POSITIONS, DIMENSION, emb.pp("position_embeddings"))?,
            token_types: embedding(2, DIMENSION, emb.pp("token_type_embeddings"))?,
            embeddings_norm: layer_norm(DIMENSION, LAYER_NORM_EPS, emb.pp("LayerNorm"))?,
            layers,
            device: device.clone(),
        })
    }

    /// Sentence vectors of token-id sequences (each at most 512 long), padded together.
    pub fn embed(&self, sequences: &[Vec<u32>]) -> candle_core::Result<Vec<Vec<f32>>> {
        let batch = sequences.len();
        let length = sequences
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(0)
            .min(POSITIONS);
        if batch == 0 || length == 0 {
            return Ok(vec![vec![0.0; DIMENSION]; batch]);
        }
        let mut ids = vec![0u32; batch * length];
        let mut mask = vec![0f32; batch * length];
        for (row, sequence) in sequences.iter().enumerate() {
            for (column, id) in sequence.iter().take(length).enumerate() {
                ids[row * length + column] = *id;
                mask[row * length + column] = 1.0;
            }
        }
        let ids = Tensor::from_vec(ids, (batch, length), &self.device)?;
        let mask = Tensor::from_vec(mask, (batch, length), &self.device)?;
        let positions = Tensor::arange(0u32, length as u32, &self.device)?;
        let token_types = Tensor::zeros((batch, length), DType::U32, &self.device)?;
        let mut hidden = self
            .words
            .forward(&ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .add(&self.token_types.forward(&token_types)?)?;
        hidden = self.embeddings_norm.forward(&hidden)?;
        // Padding gets a large negative score before the softmax, so no token attends to it.
        let attention_bias = ((mask.clone() - 1.0)? * 1e4)?.reshape((batch, 1, 1, length))?;
        for layer in &self.layers {
            hidden = layer.forward(&hidden, &attention_bias)?;
        }
        let mask = mask.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1.0, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2()
    }
}

impl Layer {
    fn load(vb: VarBuilder) -> candle_core::Result<Self> {
        let attention = vb.pp("attention");
        Ok(Self {
            query: linear(DIMENSION, DIMENSION, attention.pp("self.query"))?,
            key: linear(DIMENSION, DIMENSION, attention.pp("self.key"))?,
            value: linear(DIMENSION, DIMENSION, attention.pp("self.value"))?,
            attention_out: linear(DIMENSION, DIMENSION, attention.pp("output.dense"))?,
            attention_norm: layer_norm(
                DIMENSION,
                LAYER_NORM_EPS,
                attention.pp("output.LayerNorm"),
            )?,
            intermediate: linear(DIMENSION, INTERMEDIATE, vb.pp("intermediate.dense"))?,
            output: linear(INTERMEDIATE, DIMENSION, vb.pp("output.dense"))?,
            output_norm: layer_norm(DIMENSION, LAYER_NORM_EPS, vb.pp("output.LayerNorm"))?,
        })
    }

    fn forward(&self, hidden: &Tensor, attention_bias: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, length, _) = hidden.dims3()?;
        let heads = |projection: &Linear| {
            projection
                .forward(hidden)?
                .reshape((batch, length, HEADS, HEAD_SIZE))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (query, key, value) = (heads(&self.query)?, heads(&self.key)?, heads(&self.value)?);
        let scores = (query.matmul(&key.t()?.contiguous()?)? / (HEAD_SIZE as f64).sqrt())?
            .broadcast_add(attention_bias)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights
            .matmul(&value)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch, length, DIMENSION))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + hidden)?)?;
        let expanded = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.output_norm
            .forward(&(self.output.forward(&expanded)? + &attended)?)
    }
}
