import { type ReturnPageState } from './return-state';

/**
 * What the payee's return page says, per language. Plain words only: no internal status code ever
 * reaches the page. French and English; any other language falls back to English.
 */

export const RETURN_PAGE_LANGUAGES = ['en', 'fr'] as const;
export type ReturnPageLanguage = (typeof RETURN_PAGE_LANGUAGES)[number];

export interface StateText {
  title: string;
  body: string;
  /** Replaces `body` when the view has an execution date; `{date}` is the formatted date. */
  bodyWithDate?: string;
}

export interface ReturnPageTexts {
  /** BCP 47 locale for Intl formatting. */
  locale: string;
  pageTitle: string;
  /** `{merchant}` is the merchant's display name. */
  heading: string;
  amountLabel: string;
  referenceLabel: string;
  detailsHeading: string;
  progressLabel: string;
  steps: [string, string, string, string];
  stepDone: string;
  stepCurrent: string;
  noScript: string;
  reload: string;
  updating: string;
  footer: string;
  states: Record<ReturnPageState, StateText>;
  invalidLinkTitle: string;
  invalidLinkMessage: string;
  notFoundTitle: string;
  notFoundMessage: string;
  unavailableTitle: string;
  unavailableMessage: string;
}

const EN: ReturnPageTexts = {
  locale: 'en-GB',
  pageTitle: 'Your payout',
  heading: 'Your payout from {merchant}',
  amountLabel: 'Amount',
  referenceLabel: 'Reference',
  detailsHeading: 'Payout details',
  progressLabel: 'Progress',
  steps: ['Bank details', 'Transfer prepared', 'On its way', 'Sent'],
  stepDone: 'done',
  stepCurrent: 'current step',
  noScript: 'This page does not update by itself without JavaScript. It refreshes every few seconds, or',
  reload: 'reload the page',
  updating: 'This page updates by itself. You can leave it open or close it.',
  footer: 'This page never shows your bank details. Questions? Contact {merchant}.',
  states: {
    awaiting_details: {
      title: 'We are waiting for your bank details',
      body: 'Please enter your bank details on the secure page the merchant sent you.',
    },
    confirming: {
      title: 'Thank you, we received your details',
      body: 'We are confirming them with the bank. This usually takes a few moments.',
    },
    preparing: {
      title: 'Your transfer is being prepared',
      body: 'Your bank details are confirmed. The transfer to your account is being prepared.',
    },
    on_the_way: {
      title: 'The money is on its way',
      body: 'The transfer has been sent to the banks. It should reach your account soon.',
      bodyWithDate: 'The transfer has been sent to the banks. It is expected on your account on {date}.',
    },
    sent: {
      title: 'The money has been sent',
      body: 'The transfer to your account is complete. Depending on your bank, it may take a little while to show.',
    },
    refused: {
      title: 'The transfer was refused',
      body: 'The bank did not accept this transfer. No action is needed from you: the merchant will be in touch.',
    },
    expired: {
      title: 'This link has expired',
      body: 'The time to enter your bank details is over. Please contact the merchant for a new link.',
    },
    cancelled: {
      title: 'This payout was cancelled',
      body: 'No money will be sent through this link. The merchant can tell you more.',
    },
    review: {
      title: 'We are taking a closer look',
      body: 'A member of the team is checking this payout. You do not need to do anything; the merchant will be in touch if needed.',
    },
  },
  invalidLinkTitle: 'Invalid link',
  invalidLinkMessage: 'This link is not valid. Please use the link the merchant sent you.',
  notFoundTitle: 'Payout not found',
  notFoundMessage: 'We could not find this payout. Please contact the merchant.',
  unavailableTitle: 'Please wait',
  unavailableMessage: 'We cannot show your payout right now. This page will retry.',
};

const FR: ReturnPageTexts = {
  locale: 'fr-FR',
  pageTitle: 'Votre versement',
  heading: 'Votre versement — {merchant}',
  amountLabel: 'Montant',
  referenceLabel: 'Référence',
  detailsHeading: 'Détails du versement',
  progressLabel: 'Avancement',
  steps: ['Coordonnées bancaires', 'Virement préparé', 'En route', 'Envoyé'],
  stepDone: 'terminé',
  stepCurrent: 'étape en cours',
  noScript:
    'Sans JavaScript, cette page ne se met pas à jour seule. Elle se recharge toutes les quelques secondes, ou',
  reload: 'rechargez la page',
  updating: 'Cette page se met à jour toute seule. Vous pouvez la laisser ouverte ou la fermer.',
  footer: "Cette page n'affiche jamais vos coordonnées bancaires. Une question ? Contactez {merchant}.",
  states: {
    awaiting_details: {
      title: 'Nous attendons vos coordonnées bancaires',
      body: 'Veuillez saisir vos coordonnées bancaires sur la page sécurisée que le marchand vous a envoyée.',
    },
    confirming: {
      title: 'Merci, nous avons bien reçu vos coordonnées',
      body: 'Nous les confirmons auprès de la banque. Cela prend en général quelques instants.',
    },
    preparing: {
      title: 'Votre virement est en préparation',
      body: 'Vos coordonnées bancaires sont confirmées. Le virement vers votre compte est en préparation.',
    },
    on_the_way: {
      title: "L'argent est en route",
      body: 'Le virement a été transmis aux banques. Il devrait arriver bientôt sur votre compte.',
      bodyWithDate: 'Le virement a été transmis aux banques. Il est attendu sur votre compte le {date}.',
    },
    sent: {
      title: "L'argent a été envoyé",
      body: 'Le virement vers votre compte est terminé. Selon votre banque, il peut mettre un peu de temps à apparaître.',
    },
    refused: {
      title: 'Le virement a été refusé',
      body: "La banque n'a pas accepté ce virement. Vous n'avez rien à faire : le marchand vous contactera.",
    },
    expired: {
      title: 'Ce lien a expiré',
      body: 'Le délai pour saisir vos coordonnées bancaires est dépassé. Contactez le marchand pour obtenir un nouveau lien.',
    },
    cancelled: {
      title: 'Ce versement a été annulé',
      body: 'Aucun argent ne sera envoyé par ce lien. Le marchand pourra vous en dire plus.',
    },
    review: {
      title: 'Nous vérifions ce versement',
      body: "Un membre de l'équipe vérifie ce versement. Vous n'avez rien à faire ; le marchand vous contactera si besoin.",
    },
  },
  invalidLinkTitle: 'Lien non valide',
  invalidLinkMessage: "Ce lien n'est pas valide. Utilisez le lien que le marchand vous a envoyé.",
  notFoundTitle: 'Versement introuvable',
  notFoundMessage: 'Nous ne trouvons pas ce versement. Contactez le marchand.',
  unavailableTitle: 'Veuillez patienter',
  unavailableMessage: 'Nous ne pouvons pas afficher votre versement pour le moment. Cette page va réessayer.',
};

const TEXTS: Record<ReturnPageLanguage, ReturnPageTexts> = { en: EN, fr: FR };

/** The page's language for an order's `language` (any case); unknown or missing → English. */
export function returnPageLanguage(language: string | null | undefined): ReturnPageLanguage {
  const code = (language ?? '').toLowerCase();
  return (RETURN_PAGE_LANGUAGES as readonly string[]).includes(code) ? (code as ReturnPageLanguage) : 'en';
}

export function returnPageTexts(language: ReturnPageLanguage): ReturnPageTexts {
  return TEXTS[language];
}

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
