"""Fill the Spanish catalogue of the portal (django.po) from the table below, then `msgfmt` it.

Run after `makemessages -l es` in arrears/portal: `python locale/translate_es.py`. The compiled .mo is
committed, so a fresh clone needs no gettext (see docs/portal.md, "Languages")."""

from __future__ import annotations

import re
from pathlib import Path

ES = {
    "We emailed your validation notice to %(address)s on %(d)s.": (
        "Le enviamos su aviso de validación por correo electrónico a %(address)s el %(d)s."
    ),
    "We mailed your validation notice to you on %(d)s.": (
        "Le enviamos su aviso de validación por correo postal el %(d)s."
    ),
    "Your validation notice is dated %(d)s.": "Su aviso de validación tiene fecha del %(d)s.",
    "You can dispute the debt until %(d)s.": "Puede disputar la deuda hasta el %(d)s.",
    "Documents": "Documentos",
    "Pay the installments by bank debit": "Pagar las cuotas por débito bancario",
    "Account holder": "Titular de la cuenta",
    "Routing number": "Número de ruta",
    "Account number": "Número de cuenta",
    "Account type": "Tipo de cuenta",
    "Checking": "Corriente",
    "Savings": "Ahorros",
    "I authorize these debits of each installment on its due date from this account, until the plan ends or "
    "I revoke this authorization.": (
        "Autorizo el débito de cada cuota en su fecha de vencimiento de esta cuenta, hasta que termine el "
        "plan o revoque esta autorización."
    ),
    "Needed for a bank debit.": "Necesario para un débito bancario.",
    "Tick the authorization to pay by bank debit.": "Marque la autorización para pagar por débito bancario.",
    "Bank debit (optional)": "Débito bancario (opcional)",
    "Settlement offer": "Oferta de liquidación",
    "Pay %(amount)s %(cur)s instead of %(balance)s %(cur)s to settle this account. The offer is open until "
    "%(expires)s.": (
        "Pague %(amount)s %(cur)s en lugar de %(balance)s %(cur)s para liquidar esta cuenta. La oferta está "
        "abierta hasta el %(expires)s."
    ),
    "Accept and pay by card": "Aceptar y pagar con tarjeta",
    "Email address": "Correo electrónico",
    "I agree to receive notices electronically at this address": (
        "Acepto recibir avisos de forma electrónica en esta dirección"
    ),
    "We will send notices to you electronically.": "Le enviaremos los avisos de forma electrónica.",
    "We will send notices on paper.": "Le enviaremos los avisos en papel.",
    "Electronic delivery": "Entrega electrónica",
    "You may get your notices, including the validation notice, by email instead of on paper. You can "
    "withdraw this at any time here, and ask for a paper copy free of charge. You need a device that opens "
    "PDF files and an email address you can read.": (
        "Puede recibir sus avisos, incluido el aviso de validación, por correo electrónico en lugar de en "
        "papel. Puede retirar este consentimiento en cualquier momento aquí y pedir una copia en papel sin "
        "costo. Necesita un dispositivo que abra archivos PDF y un correo electrónico que pueda leer."
    ),
    "You agreed for:": "Aceptó para:",
    "Card": "Tarjeta",
    "Bank debit": "Débito bancario",
    "Check": "Cheque",
    "Cash": "Efectivo",
    "Bank transfer": "Transferencia bancaria",
    "Online": "En línea",
    "Scheduled": "Programado",
    "Received": "Recibido",
    "Reversed": "Revertido",
    "Cancelled": "Cancelado",
    "Returned (not sufficient funds)": "Devuelto (fondos insuficientes)",
    "Pending": "Pendiente",
    "Kept": "Cumplida",
    "Missed": "No cumplida",
    "Monday": "lunes",
    "Tuesday": "martes",
    "Wednesday": "miércoles",
    "Thursday": "jueves",
    "Friday": "viernes",
    "Saturday": "sábado",
    "Sunday": "domingo",
    "Month": "Mes",
    "Placement file": "Archivo de asignación",
    "Message": "Mensaje",
    "Account references, one a line": "Referencias de cuenta, una por línea",
    "Reason": "Motivo",
    "Not your accounts: %(refs)s": "No son sus cuentas: %(refs)s",
    "Recall requested for %(n)d accounts.": "Retiro solicitado para %(n)d cuentas.",
    "Account reference": "Referencia de la cuenta",
    "Last name": "Apellido",
    "Date of birth": "Fecha de nacimiento",
    "Give your date of birth or your ZIP code.": "Indique su fecha de nacimiento o su código postal.",
    "ZIP code": "Código postal",
    "Code": "Código",
    "Amount": "Importe",
    "I will pay by": "Pagaré a más tardar el",
    "Number of payments": "Número de pagos",
    "How often": "Con qué frecuencia",
    "Monthly": "Mensual",
    "Every two weeks": "Cada dos semanas",
    "Weekly": "Semanal",
    "First payment on": "Primer pago el",
    "Why do you dispute this debt?": "¿Por qué disputa esta deuda?",
    "Supporting document (optional)": "Documento de respaldo (opcional)",
    "Send me verification of this debt": "Envíenme la verificación de esta deuda",
    "Stop contacting me by": "Dejen de contactarme por",
    "Text message": "Mensaje de texto",
    "Email": "Correo electrónico",
    "Phone call": "Llamada telefónica",
    "Letter": "Carta",
    "Only at": "Solo en",
    "Everywhere": "En todas partes",
    "Preferred language": "Idioma preferido",
    "Days that are inconvenient": "Días que no le convienen",
    "From": "Desde",
    "To": "Hasta",
    "Give both times, or neither.": "Indique ambas horas, o ninguna.",
    "The times must differ.": "Las horas deben ser distintas.",
    "Enter an amount for at least one account.": "Indique un importe para al menos una cuenta.",
    "Account": "Cuenta",
    "Disputed: collection is paused until we send you verification.": (
        "En disputa: el cobro está suspendido hasta que le enviemos la verificación."
    ),
    "Balance": "Saldo",
    "Total": "Total",
    "Principal": "Capital",
    "Interest": "Intereses",
    "Fees": "Cargos",
    "Itemization": "Desglose",
    "As of %(d)s, you owed": "Al %(d)s, usted debía",
    "Interest since then": "Intereses desde entonces",
    "Fees since then": "Cargos desde entonces",
    "Payments or credits since then": "Pagos o créditos desde entonces",
    "Total amount of the debt now": "Importe total de la deuda ahora",
    "Download the validation notice (PDF)": "Descargar el aviso de validación (PDF)",
    "What you can do": "Qué puede hacer",
    "Pay now": "Pagar ahora",
    "Set up a payment plan": "Establecer un plan de pagos",
    "Promise to pay by a date": "Prometer pagar en una fecha",
    "Dispute this debt or ask for verification": "Disputar esta deuda o pedir verificación",
    "Payment plan": "Plan de pagos",
    "Plan for %(total)s %(cur)s.": "Plan por %(total)s %(cur)s.",
    "Next payment %(amount)s due %(due)s.": "Próximo pago de %(amount)s con vencimiento el %(due)s.",
    "Promises": "Promesas",
    "Due": "Vence",
    "Status": "Estado",
    "None.": "Ninguna.",
    "Payment history": "Historial de pagos",
    "Date": "Fecha",
    "Method": "Método",
    "No payments yet.": "Todavía no hay pagos.",
    "Your account": "Su cuenta",
    "Skip to content": "Ir al contenido",
    "Language": "Idioma",
    "Portal": "Portal",
    "My accounts": "Mis cuentas",
    "Pay": "Pagar",
    "Contact preferences": "Preferencias de contacto",
    "Sign out": "Cerrar sesión",
    "Enter your one-time code": "Escriba su código de un solo uso",
    "Verification is locked for a while. Please come back later.": (
        "La verificación está bloqueada por un tiempo. Vuelva más tarde."
    ),
    "We sent you a code. It expires in 10 minutes.": "Le enviamos un código. Vence en 10 minutos.",
    "Where should we send the code?": "¿Adónde le enviamos el código?",
    "Text message to": "Mensaje de texto al",
    "Email to": "Correo electrónico a",
    "We have no email address or mobile number on file that we may use. Please call us.": (
        "No tenemos un correo electrónico ni un número móvil que podamos usar. Llámenos, por favor."
    ),
    "Send a new code": "Enviar un código nuevo",
    "Send the code": "Enviar el código",
    "Verify": "Verificar",
    "Dispute this debt": "Disputar esta deuda",
    "If you think you do not owe this debt, or not this amount, tell us why. We stop collecting it until we "
    "send you verification.": (
        "Si cree que no debe esta deuda, o no este importe, díganos por qué. Dejamos de cobrarla hasta "
        "que le enviemos la verificación."
    ),
    "Send my dispute": "Enviar mi disputa",
    "Thank you": "Gracias",
    "Back to my accounts": "Volver a mis cuentas",
    "Hello %(name)s": "Hola, %(name)s",
    "These are your accounts with us.": "Estas son sus cuentas con nosotros.",
    "next payment %(amount)s due %(due)s": "próximo pago de %(amount)s con vencimiento el %(due)s",
    "You promised %(amount)s by %(due)s": "Usted prometió %(amount)s a más tardar el %(due)s",
    "Details and options": "Detalles y opciones",
    "You have no accounts with us.": "No tiene cuentas con nosotros.",
    "Make a payment": "Hacer un pago",
    "This link cannot be used": "Este enlace no se puede usar",
    "This link has expired.": "Este enlace ha vencido.",
    "This link is not valid. It may have been changed or copied incompletely.": (
        "Este enlace no es válido. Puede haber sido modificado o copiado de forma incompleta."
    ),
    "You can still sign in with your account reference and your details.": (
        "Aún puede entrar con la referencia de su cuenta y sus datos."
    ),
    "Sign in another way": "Entrar de otra manera",
    "Enter what you want to pay on each account. You pay by card on our payment provider's secure page, "
    "one account after the other.": (
        "Indique cuánto quiere pagar en cada cuenta. Pagará con tarjeta en la página segura de nuestro "
        "proveedor de pagos, una cuenta tras otra."
    ),
    "Nothing is owed.": "No se debe nada.",
    "Pay by card": "Pagar con tarjeta",
    "Spread %(owed)s %(cur)s over up to %(n)s payments of at least %(min)s each, the first within %(days)s "
    "days.": (
        "Reparta %(owed)s %(cur)s en hasta %(n)s pagos de al menos %(min)s cada uno, el primero dentro de "
        "%(days)s días."
    ),
    "Set up the plan": "Establecer el plan",
    "You asked us not to use": "Nos pidió no usar",
    "Stop a way of contacting you": "Dejar de usar una forma de contacto",
    "Stop": "Dejar de usar",
    "Language and inconvenient times": "Idioma y horarios inconvenientes",
    "Saved:": "Guardado:",
    "Save": "Guardar",
    "Promise to pay": "Promesa de pago",
    "Choose an amount and a date within %(days)s days.": (
        "Elija un importe y una fecha dentro de %(days)s días."
    ),
    "Make the promise": "Hacer la promesa",
    "Sign in to your account": "Entre a su cuenta",
    "Enter the account reference from our letter or message, your last name, and your date of birth or ZIP "
    "code. We then send a one-time code to an email address or phone number we already have for you.": (
        "Escriba la referencia de la cuenta que figura en nuestra carta o mensaje, su apellido y su fecha de "
        "nacimiento o código postal. Luego le enviamos un código de un solo uso a un correo electrónico o "
        "teléfono que ya tenemos registrado."
    ),
    "Your date of birth or your ZIP code": "Su fecha de nacimiento o su código postal",
    "Continue": "Continuar",
    "We could not verify those details. Check them and try again.": (
        "No pudimos verificar esos datos. Revíselos e inténtelo de nuevo."
    ),
    "Too many wrong codes. Verification is locked for 30 minutes; try again later.": (
        "Demasiados códigos incorrectos. La verificación está bloqueada durante 30 minutos; "
        "inténtelo más tarde."
    ),
    "Too many attempts. Please wait 30 minutes and try again.": (
        "Demasiados intentos. Espere 30 minutos e inténtelo de nuevo."
    ),
    "Choose where to send the code.": "Elija adónde enviar el código.",
    "The code could not be sent there. Choose another.": "No se pudo enviar el código allí. Elija otro.",
    "Enter the code we sent you.": "Escriba el código que le enviamos.",
    "That code has expired. Ask for a new one.": "Ese código ha vencido. Pida uno nuevo.",
    "That code is not right. Try again.": "Ese código no es correcto. Inténtelo de nuevo.",
    "Thank you. Your promise is recorded; a receipt is on its way by email.": (
        "Gracias. Su promesa quedó registrada; recibirá un comprobante por correo electrónico."
    ),
    "Thank you. Your payment plan is set up; a confirmation is on its way by email.": (
        "Gracias. Su plan de pagos quedó establecido; recibirá una confirmación por correo electrónico."
    ),
    "We received your dispute. We have stopped collecting this debt until we send you verification.": (
        "Recibimos su disputa. Dejamos de cobrar esta deuda hasta que le enviemos la verificación."
    ),
    "Payment cancelled.": "Pago cancelado.",
    "Thank you. Your payment is being processed; a receipt will follow by email.": (
        "Gracias. Su pago se está procesando; recibirá un comprobante por correo electrónico."
    ),
    "Done. We will not contact you that way.": "Listo. No le contactaremos de esa forma.",
    "Your preferences are saved.": "Sus preferencias quedaron guardadas.",
}

PO = Path(__file__).parent / "es" / "LC_MESSAGES" / "django.po"


def _quoted(lines: list[str]) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(lines))).replace('\\"', '"')


def fill() -> list[str]:
    """Write each entry's msgstr from the table; returns the msgids without a translation."""
    blocks = PO.read_text().split("\n\n")
    missing = []
    out = []
    for block in blocks:
        lines = block.splitlines()
        i = next((n for n, line in enumerate(lines) if line.startswith("msgid ")), None)
        j = next((n for n, line in enumerate(lines) if line.startswith("msgstr ")), None)
        if i is None or j is None:
            out.append(block)
            continue
        msgid = _quoted(lines[i:j])
        if not msgid:  # the header
            out.append(block.replace("Language: \\n", "Language: es\\n").replace("CHARSET", "UTF-8"))
            continue
        text = ES.get(msgid)
        if text is None:
            missing.append(msgid)
            out.append(block)
            continue
        head = [line for line in lines[:j] if not line.startswith("#, fuzzy")]
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        out.append("\n".join([*head, f'msgstr "{escaped}"']))
    PO.write_text("\n\n".join(out))
    return missing


if __name__ == "__main__":
    left = fill()
    for m in left:
        print("untranslated:", m)  # noqa: T201 - a maintenance script's report
    raise SystemExit(1 if left else 0)
