//! zkpor's custom gates and the gate serializer that knows them. Only the
//! batch circuit uses them; the aggregation circuits verify batch proofs
//! (so their recursive verifier evaluates these gates with standard gates),
//! and the published root circuit holds plonky2's standard gates only, so
//! stock plonky2 reads it with `DefaultGateSerializer`.

pub mod dot;
pub mod range;

pub use dot::DotGate;
pub use range::RangeGate;

use plonky2::field::extension::Extendable;
use plonky2::gates::arithmetic_base::ArithmeticGate;
use plonky2::gates::arithmetic_extension::ArithmeticExtensionGate;
use plonky2::gates::base_sum::BaseSumGate;
use plonky2::gates::constant::ConstantGate;
use plonky2::gates::coset_interpolation::CosetInterpolationGate;
use plonky2::gates::exponentiation::ExponentiationGate;
use plonky2::gates::lookup::LookupGate;
use plonky2::gates::lookup_table::LookupTableGate;
use plonky2::gates::multiplication_extension::MulExtensionGate;
use plonky2::gates::noop::NoopGate;
use plonky2::gates::poseidon::PoseidonGate;
use plonky2::gates::poseidon_mds::PoseidonMdsGate;
use plonky2::gates::public_input::PublicInputGate;
use plonky2::gates::random_access::RandomAccessGate;
use plonky2::gates::reducing::ReducingGate;
use plonky2::gates::reducing_extension::ReducingExtensionGate;
use plonky2::hash::hash_types::RichField;
use plonky2::util::serialization::GateSerializer;
use plonky2::{get_gate_tag_impl, impl_gate_serializer, read_gate_impl};

/// plonky2's standard gates, in `DefaultGateSerializer`'s tag order (so a
/// circuit of standard gates serialises to the same bytes with either), then
/// zkpor's gates. Use it for any batch or aggregation circuit data.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZkporGateSerializer;

impl<F: RichField + Extendable<D>, const D: usize> GateSerializer<F, D> for ZkporGateSerializer {
    impl_gate_serializer! {
        ZkporGateSerializer,
        ArithmeticGate,
        ArithmeticExtensionGate<D>,
        BaseSumGate<2>,
        ConstantGate,
        CosetInterpolationGate<F, D>,
        ExponentiationGate<F, D>,
        LookupGate,
        LookupTableGate,
        MulExtensionGate<D>,
        NoopGate,
        PoseidonMdsGate<F, D>,
        PoseidonGate<F, D>,
        PublicInputGate,
        RandomAccessGate<F, D>,
        ReducingExtensionGate<D>,
        ReducingGate<D>,
        RangeGate,
        DotGate
    }
}
