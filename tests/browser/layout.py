"""Checks of a rendered page's layout, run in the browser, as a person on a phone would notice them.

- no horizontal scrolling (``scrollWidth <= innerWidth``), naming the elements that stick out;
- the footer starts below the end of ``<main>``, and nothing of ``<main>`` is drawn over it;
- no element of ``<main>`` is taller than three screens: a leaf (text, image, field) or a
  component whose children fill less than half of its height (a stretched card) fails; a list
  or a form that is long because it holds many things is not one element;
- on a phone, the page's primary action starts within the first two screens.
"""

LAYOUT_CHECK = """
(primarySelector) => {
  const problems = [];
  const describe = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    const classes = [...el.classList].slice(0, 3);
    if (classes.length) text += '.' + classes.join('.');
    return text;
  };
  // Hidden elements, and those inside a closed <details> or a collapsed DSFR panel, do not count.
  const visible = (el) => {
    if (!el.checkVisibility({ contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true })) {
      return false;
    }
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const top = (el) => el.getBoundingClientRect().top + scrollY;
  const bottom = (el) => el.getBoundingClientRect().bottom + scrollY;

  const root = document.documentElement;
  if (root.scrollWidth > innerWidth) {
    const wide = [...document.body.querySelectorAll('*')]
      .filter((el) => visible(el) && el.getBoundingClientRect().right > innerWidth + 1)
      .filter((el) => getComputedStyle(el).position !== 'fixed')
      // Report the innermost culprits, not each of their ancestors.
      .filter((el, _i, all) => !all.some((other) => other !== el && el.contains(other)))
      .slice(0, 5)
      .map((el) => `${describe(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
    problems.push(`scrolls sideways: ${root.scrollWidth} px wide for ${innerWidth} px (${wide.join(', ')})`);
  }

  const main = document.querySelector('main');
  const footer = document.querySelector('footer');
  if (!main) return ['no <main> element'];
  if (footer && visible(footer)) {
    const footerTop = top(footer);
    if (footerTop < bottom(main) - 1) {
      const end = Math.round(bottom(main));
      problems.push(`the footer starts at ${Math.round(footerTop)} px, above the end of <main> (${end} px)`);
    }
    const over = [...main.querySelectorAll('*')]
      .filter((el) => visible(el) && bottom(el) > footerTop + 1 && getComputedStyle(el).position !== 'fixed')
      .filter((el, _i, all) => !all.some((other) => other !== el && el.contains(other)))
      .slice(0, 5)
      .map(describe);
    if (over.length) problems.push(`drawn over the footer: ${over.join(', ')}`);
  }

  const limit = 3 * innerHeight;
  for (const el of main.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const height = el.getBoundingClientRect().height;
    if (height <= limit) continue;
    const children = [...el.children].filter(visible);
    if (children.length === 1 && children[0].getBoundingClientRect().height > limit) continue;
    const filled = children.reduce((sum, child) => sum + child.getBoundingClientRect().height, 0);
    if (children.length === 0 || filled < height / 2) {
      problems.push(`${describe(el)} is ${Math.round(height)} px tall (more than three screens)`);
    }
  }

  if (primarySelector) {
    const primary = document.querySelector(primarySelector);
    if (!primary || !visible(primary)) {
      problems.push(`primary action not found or hidden: ${primarySelector}`);
    } else if (innerWidth < 768 && top(primary) > 2 * innerHeight) {
      problems.push(`primary action ${primarySelector} starts at ${Math.round(top(primary))} px, beyond two screens`);
    }
  }
  return problems;
}
"""


def layout_problems(page, primary: str | None = None) -> list[str]:
    """What is wrong with the layout of the page now shown (an empty list when nothing is)."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready")
    return page.evaluate(LAYOUT_CHECK, primary)
