import { type PayoutRequest } from '../domain/payout-request';
import { splitE164 } from '../domain/phone-number';
import { type CreatePayoutCall } from './fintecture/client';
import { communicationWithReference, type PayoutReferences } from './payout-references';

/** Maps our order request to Fintecture's create call (fintecture-api.md §4). */
export function buildCreatePayoutCall(
  request: PayoutRequest,
  references: PayoutReferences,
  redirectUri: string,
): CreatePayoutCall {
  const phone = request.payee.phone ? splitE164(request.payee.phone) : null;
  const beneficiary = request.beneficiary;
  return {
    redirectUri,
    state: references.state,
    language: request.language,
    country: request.country,
    body: {
      meta: {
        psu_name: request.payee.name,
        ...(request.payee.email ? { psu_email: request.payee.email } : {}),
        ...(phone ? { psu_phone: phone.national, psu_phone_prefix: phone.prefix } : {}),
        // The link and its channel only exist when the payee has to act (scenario 1).
        ...(beneficiary ? {} : { method: request.delivery, expiry: request.expiresInSeconds }),
      },
      data: {
        type: 'payments',
        attributes: {
          amount: request.amount,
          currency: request.currency,
          communication: communicationWithReference(request.communication, references),
          end_to_end_id: references.endToEndId,
          ...(beneficiary
            ? { beneficiary: { name: beneficiary.name, iban: beneficiary.iban, swift_bic: beneficiary.bic } }
            : {}),
        },
      },
    },
  };
}
